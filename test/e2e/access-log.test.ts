// `sesame log` (issue 11 part 2): credential-process records who got which session, how, and from where.
import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { existsSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseProcessOutput, storeAliceKey, world, type World } from "./harness.ts";

let w: World;
let file: string;
beforeAll(async () => {
  w = await world();
  await storeAliceKey(w);
  file = join(w.stateDir, "access.jsonl");
});
afterAll(() => w.stop());
const spool = () => join(w.stateDir, "access.d");
beforeEach(() => {
  rmSync(file, { force: true });
  rmSync(`${file}.1`, { force: true });
  rmSync(spool(), { recursive: true, force: true });
});

interface Rec { t: string; session: string; outcome: string; code?: string; ppid: number; exe?: string; cwd?: string }
const records = async (args: string[] = []): Promise<Rec[]> => {
  const r = await w.run(["log", "--json", ...args]);
  expect(r.code).toBe(0);
  return r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Rec);
};

test("a miss and a hit are recorded with the calling process, in a 0600 file without a secret", async () => {
  rmSync(w.cacheDir, { recursive: true, force: true });
  const first = await w.run(["credential-process", "dev"]);
  const second = await w.run(["credential-process", "dev"]);
  const key = parseProcessOutput(second.stdout);
  const got = await records();
  expect(got.map((r) => [r.session, r.outcome])).toEqual([["dev", "miss"], ["dev", "hit"]]);
  // the test runner started the binary: it is the caller
  expect(got[0]!.ppid).toBe(process.pid);
  expect(got[0]!.cwd).toBe(realpathSync(process.cwd()));
  expect(got[0]!.exe).toBeTruthy();
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const text = readFileSync(file, "utf8");
  expect(text).not.toContain(key.SecretAccessKey);
  expect(text).not.toContain(key.SessionToken);
  expect(text).not.toContain(parseProcessOutput(first.stdout).SecretAccessKey);
  // the table, and the filters
  const table = await w.run(["log"]);
  expect(table.stdout).toMatch(/TIME +SESSION +OUTCOME +CALLER/);
  expect(table.stdout).toMatch(/dev +hit/);
  expect(await records(["--session", "prod"])).toEqual([]);
  expect((await records(["--session", "dev", "--since", "1h"])).length).toBe(2);
  const bad = await w.run(["log", "--since", "yesterday"]);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain("is not a duration");
});

test("an error is recorded with its code; a word that is not a session is not recorded at all", async () => {
  rmSync(w.cacheDir, { recursive: true, force: true });
  w.emu.faults.add({ action: "AssumeRole", error: { code: "AccessDenied", message: "no", status: 403, type: "Sender" } });
  expect((await w.run(["credential-process", "dev"])).code).not.toBe(0);
  expect((await w.run(["credential-process", "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"])).code).not.toBe(0);
  const got = await records();
  expect(got).toHaveLength(1);
  expect(got[0]!.outcome).toBe("error");
  expect(got[0]!.code).toBeTruthy();
  expect(readFileSync(file, "utf8")).not.toContain("wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY");
});

test("SESAME_LOG=off writes nothing", async () => {
  expect((await w.run(["credential-process", "dev"], { env: { SESAME_LOG: "off" } })).code).toBe(0);
  expect(existsSync(file)).toBe(false);
  expect(existsSync(spool())).toBe(false);
});

test("50 concurrent callers write 50 whole lines", async () => {
  await w.run(["credential-process", "dev"]);
  rmSync(file, { force: true });
  rmSync(spool(), { recursive: true, force: true });
  // hits (spooled, no node:fs) and misses (appended, folding the spool first) at once, and two readers
  const runs = await Promise.all([
    ...Array.from({ length: 40 }, () => w.run(["credential-process", "dev"])),
    ...Array.from({ length: 10 }, () => w.run(["credential-process", "dev", "--no-cache"])),
    w.run(["log", "--json"]),
    w.run(["log", "--json"]),
  ]);
  expect(runs.every((r) => r.code === 0)).toBe(true);
  const got = await records();
  expect(got).toHaveLength(50);
  expect(got.filter((r) => r.outcome === "hit")).toHaveLength(40);
  expect(got.filter((r) => r.outcome === "miss")).toHaveLength(10);
  for (const r of got) expect(r.session).toBe("dev");
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
  expect(lines).toHaveLength(50); // all folded in, each once, none torn
  for (const l of lines) expect((JSON.parse(l) as Rec).session).toBe("dev");
});
