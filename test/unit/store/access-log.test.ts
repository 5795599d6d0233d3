import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
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
  for (; i < 30 || !existsSync(f); i++) await recordAccess(dir, {}, { session: `s${i}`, outcome: "hit" }, 1000);
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
