// When cached credentials or a sign-in run out, as `list`, `login` and `doctor` show it.
import { localOffset } from "../runtime/local-offset.ts";

/** "14:05" today, "Nov 27 14:05" otherwise (local time: the README's "cached until …"). The first
 *  local-time conversion of a process through Date loads the engine's time-zone database (more than a
 *  whole warm call in a compiled binary), so the offset comes from the system's zone file when it can
 *  (runtime/local-offset.ts) and the local fields from the UTC methods of the shifted instant. */
export function clock(d: Date, nowMs: number, env: Record<string, string | undefined> = process.env): string {
  const off = localOffset(d.getTime(), env);
  const offNow = off === undefined ? undefined : localOffset(nowMs, env);
  const l = off === undefined || offNow === undefined ? viaDate(d) : viaOffset(new Date(d.getTime() + off * 1000));
  const now = off === undefined || offNow === undefined ? viaDate(new Date(nowMs)) : nowFields(nowMs, offNow);
  const hm = `${String(l.hours).padStart(2, "0")}:${String(l.minutes).padStart(2, "0")}`;
  if (l.date === now.date && l.month === now.month && l.year === now.year) return hm;
  // A fixed table, not toLocaleString: that would load locale data for one word.
  return `${MONTHS[l.month]} ${l.date} ${hm}`;
}

/** `list` asks for hundreds of rows with one "now": its fields are made once. */
let lastNow: { ms: number; off: number; f: Fields } | undefined;
function nowFields(ms: number, off: number): Fields {
  if (lastNow?.ms !== ms || lastNow.off !== off) lastNow = { ms, off, f: viaOffset(new Date(ms + off * 1000)) };
  return lastNow.f;
}

interface Fields {
  year: number;
  month: number;
  date: number;
  hours: number;
  minutes: number;
}

function viaDate(d: Date): Fields {
  return { year: d.getFullYear(), month: d.getMonth(), date: d.getDate(), hours: d.getHours(), minutes: d.getMinutes() };
}

/** the fields of an instant already shifted by the local offset */
function viaOffset(d: Date): Fields {
  return { year: d.getUTCFullYear(), month: d.getUTCMonth(), date: d.getUTCDate(), hours: d.getUTCHours(), minutes: d.getUTCMinutes() };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
