import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accessLogPath, readAccessLog, recordAccess } from "../../../src/store/access-log.ts";

test("past the cap the record moves to one .1 file, and reading gives both, oldest first", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "sesame-log-")), "state");
  const f = accessLogPath(dir);
  // The writer that crosses the cap moves the file aside after its line, so the current file may be
  // missing right then: write on until it exists again (how many lines that takes depends on the
  // line length, which holds the caller's folder).
  let i = 0;
  for (; i < 30 || !existsSync(f); i++) await recordAccess(dir, {}, { session: `s${i}`, outcome: "miss" }, 1000);
  expect(existsSync(`${f}.1`)).toBe(true);
  expect(statSync(f).size).toBeLessThanOrEqual(1000 + 400);
  expect(statSync(`${f}.1`).mode & 0o777).toBe(0o600);
  const all = await readAccessLog(dir);
  const names = all.map((r) => Number(r.session.slice(1)));
  expect(names).toEqual([...names].sort((a, b) => a - b));
  expect(names.at(-1)).toBe(i - 1);
  expect(readFileSync(f, "utf8").endsWith("\n")).toBe(true);
});

test("SESAME_LOG=off: nothing is written", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "sesame-log-")), "state");
  await recordAccess(dir, { SESAME_LOG: "off" }, { session: "a", outcome: "hit" });
  expect(existsSync(accessLogPath(dir))).toBe(false);
});

test("under Bun a hit is spooled as a file of its own (no node:fs on the hit), folded in by the next append or read, in time order", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "sesame-log-")), "state");
  await recordAccess(dir, {}, { session: "a", outcome: "hit" });
  await recordAccess(dir, {}, { session: "b", outcome: "stale-served" });
  const spool = join(dir, "access.d");
  const files = readdirSync(spool);
  expect(files).toHaveLength(2);
  for (const f of files) expect(statSync(join(spool, f)).mode & 0o777).toBe(0o600);
  expect(statSync(spool).mode & 0o777).toBe(0o700);
  expect(existsSync(accessLogPath(dir))).toBe(false);
  const one = JSON.parse(readFileSync(join(spool, files[0]!), "utf8"));
  expect(one.ppid).toBe(process.ppid);
  expect(one.cwd).toBe(readlinkSync(`/proc/${process.ppid}/cwd`)); // the caller's folder, not ours
  expect(process.cwd()).not.toBe("/proc"); // and ours is back
  await recordAccess(dir, {}, { session: "c", outcome: "miss" }); // folds first, then appends
  expect(readdirSync(spool)).toEqual([]);
  expect((await readAccessLog(dir)).map((r) => r.session)).toEqual(["a", "b", "c"]);
  await recordAccess(dir, {}, { session: "d", outcome: "hit" });
  expect((await readAccessLog(dir)).map((r) => r.session)).toEqual(["a", "b", "c", "d"]); // sesame log folds too
  expect(readdirSync(spool)).toEqual([]);
});

test("two folders at once copy each spooled record exactly once", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "sesame-log-")), "state");
  for (let i = 0; i < 40; i++) await recordAccess(dir, {}, { session: `h${i}`, outcome: "hit" });
  await Promise.all([readAccessLog(dir), recordAccess(dir, {}, { session: "m", outcome: "miss" }), readAccessLog(dir)]);
  const names = (await readAccessLog(dir)).map((r) => r.session);
  expect(names.filter((n) => n.startsWith("h")).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `h${i}`).sort());
});
