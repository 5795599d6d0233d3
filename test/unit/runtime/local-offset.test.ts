// runtime/local-offset.ts: the local UTC offset from a TZif file must be what Date says, or undefined.
import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { fixedOffset, localOffset, offsetAt, parseTzif } from "../../../src/runtime/local-offset.ts";
import { clock } from "../../../src/output/clock.ts";

const ZONES = "/usr/share/zoneinfo";
const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

/** Date's own offset in seconds at ms, under the zone TZ names (Bun follows a change of process.env.TZ). */
function dateOffset(tz: string, ms: number): number {
  process.env.TZ = tz;
  return 0 - new Date(ms).getTimezoneOffset() * 60;
}

const instants = (() => {
  const out: number[] = [];
  // every ~11 days from 1990 to 2036, and the hours around this year's usual DST changes
  for (let ms = Date.UTC(1990, 0, 1); ms < Date.UTC(2036, 0, 1); ms += 11 * 86400_000 + 3_700_000) out.push(ms);
  for (const [m, d] of [[2, 29], [2, 30], [2, 31], [9, 25], [9, 26], [9, 27], [10, 1], [10, 2]] as const) {
    for (let h = 0; h < 24; h++) out.push(Date.UTC(2026, m, d, h, 30));
  }
  return out;
})();

test.each(["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Asia/Tokyo", "Etc/UTC", "America/Sao_Paulo", "Pacific/Chatham"])("%s: the offset from the zone file is Date's wherever it gives one", (name) => {
  const file = `${ZONES}/${name}`;
  if (!existsSync(file)) return; // no tzdata here
  const zone = parseTzif(new Uint8Array(readFileSync(file)));
  expect(zone).toBeDefined();
  let answered = 0;
  for (const ms of instants) {
    const off = offsetAt(zone!, ms);
    if (off === undefined) continue; // beyond the transitions, under a DST rule: Date decides
    answered++;
    expect({ ms, off }).toEqual({ ms, off: dateOffset(name, ms) });
  }
  expect(answered).toBeGreaterThan(0);
});

test("a footer without daylight saving time is a fixed offset; one with a rule is not", () => {
  expect(fixedOffset("UTC0")).toBe(0);
  expect(fixedOffset("JST-9")).toBe(9 * 3600);
  expect(fixedOffset("<+0530>-5:30")).toBe(5.5 * 3600);
  expect(fixedOffset("<-03>3")).toBe(-3 * 3600);
  expect(fixedOffset("EST5")).toBe(-5 * 3600);
  expect(fixedOffset("CET-1CEST,M3.5.0,M10.5.0/3")).toBeUndefined();
  expect(fixedOffset("")).toBeUndefined();
});

test("not a TZif file, or a truncated one: undefined", () => {
  expect(parseTzif(new TextEncoder().encode("not a zone file at all, but long enough to hold a header......"))).toBeUndefined();
  if (existsSync(`${ZONES}/Europe/Paris`)) {
    const b = new Uint8Array(readFileSync(`${ZONES}/Europe/Paris`));
    expect(parseTzif(b.subarray(0, 100))).toBeUndefined();
    expect(parseTzif(b.subarray(0, b.length - 3))).toBeUndefined(); // footer cut
  }
});

test("TZ set: the offset is left to Date", () => {
  expect(localOffset(Date.now(), { TZ: "Europe/Paris" })).toBeUndefined();
  expect(localOffset(Date.now(), { TZ: "" })).toBeUndefined();
});

test("clock through the zone file says what clock through Date says", () => {
  delete process.env.TZ; // the system zone, as /etc/localtime names it
  const now = Date.now();
  for (let i = -50; i < 400; i++) {
    const d = new Date(now + i * 37 * 60_000);
    expect(clock(d, now, {})).toBe(clock(d, now, { TZ: "x" }));
  }
});
