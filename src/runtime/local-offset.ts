// The local UTC offset at an instant, read from the system's TZif file (/etc/localtime), without the JS
// engine's time-zone machinery: in a compiled Bun binary the first local-time conversion (Date#getHours)
// loads ICU's time-zone data, which costs more than a whole warm credential-process (docs/performance.md).
// Only the plain case is handled: TZ unset, /etc/localtime a TZif file, and the instant covered by its
// transitions or by a footer without daylight saving time (UTC, and every zone without DST). Anything
// else is `undefined`, and the caller uses Date's own local-time methods, exactly as before.

export interface Zone {
  /** transition times, seconds since the epoch, ascending */
  times: number[];
  /** the local time type of each transition */
  types: number[];
  /** the UTC offset, in seconds, of each local time type */
  offsets: number[];
  /** the POSIX TZ string of a version 2+ file ("" when absent) */
  footer: string;
}

/** A TZif file (RFC 8536), or undefined when it is not one. */
export function parseTzif(b: Uint8Array): Zone | undefined {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const header = (at: number) => {
    if (at + 44 > b.length || b[at] !== 0x54 || b[at + 1] !== 0x5a || b[at + 2] !== 0x69 || b[at + 3] !== 0x66) return undefined; // "TZif"
    const n = (k: number) => dv.getUint32(at + 20 + 4 * k);
    return { version: b[at + 4]!, isut: n(0), isstd: n(1), leap: n(2), time: n(3), type: n(4), char: n(5) };
  };
  const h1 = header(0);
  if (!h1) return undefined;
  const block = (h: NonNullable<ReturnType<typeof header>>, at: number, timeSize: number) => {
    const len = h.time * timeSize + h.time + h.type * 6 + h.char + h.leap * (timeSize + 4) + h.isstd + h.isut;
    if (at + len > b.length || h.type === 0) return undefined;
    const times: number[] = [];
    for (let i = 0; i < h.time; i++) times.push(timeSize === 8 ? Number(dv.getBigInt64(at + 8 * i)) : dv.getInt32(at + 4 * i));
    const typesAt = at + h.time * timeSize;
    const types: number[] = [];
    for (let i = 0; i < h.time; i++) {
      const t = b[typesAt + i]!;
      if (t >= h.type) return undefined;
      types.push(t);
    }
    const offsets: number[] = [];
    for (let i = 0; i < h.type; i++) offsets.push(dv.getInt32(typesAt + h.time + 6 * i));
    return { zone: { times, types, offsets, footer: "" }, end: at + len };
  };
  const v1 = block(h1, 44, 4);
  if (!v1) return undefined;
  if (h1.version < 0x32) return v1.zone; // version 1: 32-bit times, no footer
  const h2 = header(v1.end);
  if (!h2) return undefined;
  const v2 = block(h2, v1.end + 44, 8);
  if (!v2 || b[v2.end] !== 0x0a) return undefined;
  const close = b.indexOf(0x0a, v2.end + 1);
  if (close < 0) return undefined;
  v2.zone.footer = new TextDecoder().decode(b.subarray(v2.end + 1, close));
  return v2.zone;
}

/** A POSIX TZ string without daylight saving time ("UTC0", "<+07>-7", "JST-9"): its UTC offset. */
export function fixedOffset(tz: string): number | undefined {
  const m = /^(?:[A-Za-z]{3,}|<[+\-A-Za-z0-9]{3,}>)([+-]?)(\d{1,2})(?::(\d{1,2})(?::(\d{1,2}))?)?$/.exec(tz);
  if (!m) return undefined;
  const s = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return m[1] === "-" ? s : 0 - s; // POSIX counts west of Greenwich as positive
}

/** The zone's UTC offset in seconds at `ms`, or undefined where only a daylight-saving rule could say. */
export function offsetAt(z: Zone, ms: number): number | undefined {
  const t = Math.floor(ms / 1000);
  const n = z.times.length;
  if (n === 0 || t >= z.times[n - 1]!) {
    // after the last transition (or with none), the footer governs; a version 1 file keeps the last type
    if (z.footer !== "") return fixedOffset(z.footer);
    if (n === 0) return z.offsets[0];
    return z.offsets[z.types[n - 1]!];
  }
  if (t < z.times[0]!) return z.offsets[0];
  let lo = 0;
  let hi = n - 1; // times[lo] <= t < times[hi]
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (z.times[mid]! <= t) lo = mid;
    else hi = mid;
  }
  return z.offsets[z.types[lo]!];
}

let system: Zone | null | undefined;

/** The system zone's offset at `ms` in seconds, or undefined (TZ set, no readable TZif, a DST rule). */
export function localOffset(ms: number, env: Record<string, string | undefined> = process.env): number | undefined {
  if (env.TZ !== undefined) return undefined;
  if (system === undefined) {
    system = null;
    try {
      const fs = process.getBuiltinModule?.("node:fs") as typeof import("node:fs") | undefined;
      if (fs && process.platform !== "win32") system = parseTzif(new Uint8Array(fs.readFileSync("/etc/localtime"))) ?? null;
    } catch { /* no such file: Date decides */ }
  }
  return system ? offsetAt(system, ms) : undefined;
}
