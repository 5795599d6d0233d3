// Renewal ahead of expiry (issue 11 part 1): inside the refresh margin but above renew_floor,
// credential-process serves the cached entry at once and a detached `credential-process NAME --renew`
// renews it under the hop's lock; below the floor the call renews while the caller waits, as before.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, CHAIN_CATALOG, parseProcessOutput, runBinary, storeAliceKey, world, type World } from "./harness.ts";

let w: World;
beforeAll(async () => {
  w = await world();
  await storeAliceKey(w);
});
afterAll(() => w.stop());
beforeEach(() => {
  rmSync(w.cacheDir, { recursive: true, force: true });
  rmSync(join(w.stateDir, "renewal"), { recursive: true, force: true });
  w.emu.faults.clear();
  w.emu.setCredentialLifetime(undefined);
  w.emu.resetCalls();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const keyOf = async (name: string) => {
  const r = await w.run(["credential-process", name]);
  expect(r.code).toBe(0);
  return parseProcessOutput(r.stdout).AccessKeyId;
};
/** Polls (a bounded number of times) until `done()` holds: the background renewal runs on its own time. */
async function eventually(done: () => Promise<boolean> | boolean, tries = 150): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await done()) return;
    await sleep(100);
  }
  throw new Error("the background renewal never finished");
}

/** A cached "dev" (and "alice") issued for 10 minutes: inside the 15-minute margin, above the 5-minute floor. */
async function staleDev(): Promise<string> {
  w.emu.setCredentialLifetime(600);
  const old = await keyOf("dev");
  w.emu.setCredentialLifetime(undefined);
  w.emu.resetCalls();
  return old;
}

describe("stale-while-revalidate", () => {
  test("a call inside the margin is served the cached key without waiting on STS; a later call gets the renewed one", async () => {
    const old = await staleDev();
    w.emu.faults.add({ action: "AssumeRole", delayMs: 2000 });
    const r = await w.run(["credential-process", "dev", "--verbose"]);
    expect(r.code).toBe(0);
    expect(parseProcessOutput(r.stdout).AccessKeyId).toBe(old);
    expect(r.stderr).toContain("stale served, renewal started");
    // the call returned before the renewal's (delayed) AssumeRole was answered
    expect(w.emu.callsFor("AssumeRole").filter((c) => c.status === 200)).toHaveLength(0);
    // while the renewal waits on STS, list says so
    await eventually(async () => {
      const rows = JSON.parse((await w.run(["list", "--json"])).stdout) as { name: string; renewal?: unknown }[];
      return rows.find((x) => x.name === "dev")?.renewal === "renewing";
    });
    let renewed = old;
    await eventually(async () => (renewed = await keyOf("dev")) !== old);
    expect(renewed).not.toBe(old);
    // one renewal, however many calls saw the margin meanwhile (the lock decides)
    expect(w.emu.callsFor("AssumeRole")).toHaveLength(1);
    const hit = await w.run(["credential-process", "dev", "--verbose"]);
    expect(parseProcessOutput(hit.stdout).AccessKeyId).toBe(renewed);
    expect(hit.stderr).toContain("cache hit");
  });

  test("50 callers inside the margin start one renewal that reaches STS", async () => {
    const old = await staleDev();
    w.emu.faults.add({ action: "AssumeRole", delayMs: 1000 });
    const keys = await Promise.all(Array.from({ length: 50 }, () => keyOf("dev")));
    expect(new Set(keys)).toEqual(new Set([old]));
    await eventually(async () => (await keyOf("dev")) !== old);
    expect(w.emu.callsFor("AssumeRole")).toHaveLength(1);
  });

  test("within the floor the call renews while it waits (today's path)", async () => {
    w.emu.setCredentialLifetime(240);
    const old = await keyOf("dev");
    w.emu.setCredentialLifetime(undefined);
    const r = await w.run(["credential-process", "dev", "--verbose"]);
    expect(parseProcessOutput(r.stdout).AccessKeyId).not.toBe(old);
    expect(r.stderr).not.toContain("stale served");
  });

  test("a failed background renewal does not break the next call, and list shows its error", async () => {
    const old = await staleDev();
    w.emu.faults.add({ action: "AssumeRole", error: { code: "AccessDenied", message: "not now", status: 403, type: "Sender" } });
    expect(await keyOf("dev")).toBe(old);
    const failure = join(w.stateDir, "renewal", "dev.json");
    await eventually(() => existsSync(failure));
    expect(statSync(failure).mode & 0o777).toBe(0o600);
    expect(readFileSync(failure, "utf8")).not.toContain(old);
    const list = await w.run(["list", "--json"]);
    const row = (JSON.parse(list.stdout) as { name: string; detail: string }[]).find((x) => x.name === "dev")!;
    expect(row.detail).toContain("renewal failed");
    const text = await w.run(["list"]);
    expect(text.stdout).toMatch(/dev .*renewal failed/);
    const doc = await w.run(["doctor", "--json"]);
    const found = (JSON.parse(doc.stdout) as { findings: { status: string; message: string }[] }).findings;
    expect(found.some((f) => f.status === "warn" && f.message.includes(`background renewal of "dev" failed`))).toBe(true);
    // right after, a call is served and does not start another renewal: a failing one waits (15 s, 30 s, … 5 min)
    const held = await w.run(["credential-process", "dev", "--verbose"]);
    expect(parseProcessOutput(held.stdout).AccessKeyId).toBe(old);
    expect(held.stderr).toContain("the last background renewal failed, the next one waits a while");
    expect(JSON.parse(readFileSync(failure, "utf8")).count).toBe(1);
    // once that time has passed (the failure moved 20 s back), the next call starts one; it succeeds and clears the error
    const f = JSON.parse(readFileSync(failure, "utf8"));
    writeFileSync(failure, JSON.stringify({ ...f, at: new Date(Date.now() - 20_000).toISOString() }));
    expect(await keyOf("dev")).toBe(old);
    await eventually(async () => (await keyOf("dev")) !== old && !existsSync(failure));
  });
});

describe("what needs a person is not renewed in the background", () => {
  let m: World;
  beforeAll(async () => {
    m = await world(CHAIN_CATALOG.replace('[session.alice]\ntype = "iam-user"', '[session.alice]\ntype = "iam-user"\nmfa_serial = "arn:aws:iam::111111111111:mfa/alice"'));
    m.emu.addMfaDevice("arn:aws:iam::111111111111:mfa/alice", "314159");
    await storeAliceKey(m);
  });
  afterAll(() => m.stop());

  test("an MFA chain inside the margin is served, its renewal asks nobody and records why it stopped", async () => {
    m.emu.setCredentialLifetime(600);
    // the first call types the code on a pseudo-terminal (util-linux `script`), as mfa-terminal.test.ts does
    const out = join(m.home, "out.json");
    const first = await runBinary(["/usr/bin/script", "-qec", `${BIN} credential-process dev > ${out}`, "/dev/null"], m.env, "314159\n");
    expect(first.code).toBe(0);
    const old = parseProcessOutput(readFileSync(out, "utf8")).AccessKeyId;
    m.emu.setCredentialLifetime(undefined);
    m.emu.resetCalls();
    const r = await m.run(["credential-process", "dev"]);
    expect(r.code).toBe(0);
    expect(parseProcessOutput(r.stdout).AccessKeyId).toBe(old);
    const failure = join(m.stateDir, "renewal", "dev.json");
    await eventually(() => existsSync(failure));
    expect(m.emu.callsFor("GetSessionToken")).toHaveLength(0);
    expect(m.emu.callsFor("AssumeRole")).toHaveLength(0);
  });
});
