// Locks through the binary (a dead holder is taken over, a live one makes waiters give up with a clear
// line), and the key prompt on a terminal (no echo of the secret).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, rmSync, readdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { BIN, parseProcessOutput, runBinary, lockPathFor, storeAliceKey, world, type World } from "./harness.ts";

let w: World;
beforeAll(async () => {
  w = await world();
  await storeAliceKey(w);
});
afterAll(() => w.stop());

test("a lock left by a process that died is taken over", async () => {
  const lock = await lockPathFor(w, "alice");
  const dead = spawn("true");
  await new Promise((r) => dead.on("close", r));
  writeFileSync(lock, `${dead.pid} ${Date.now()} ${hostname()}`, { mode: 0o600 });
  const r = await w.run(["credential-process", "alice", "--no-cache"]);
  expect(r.code).toBe(0);
  parseProcessOutput(r.stdout);
  expect(existsSync(lock)).toBe(false);
});

test("a live holder makes a waiter give up after SESAME_LOCK_TIMEOUT with one line and status 7", async () => {
  const lock = await lockPathFor(w, "alice");
  const holder = spawn("sleep", ["30"]);
  try {
    writeFileSync(lock, `${holder.pid} ${Date.now()} ${hostname()}`, { mode: 0o600 });
    const r = await w.run(["credential-process", "alice", "--no-cache"], { env: { SESAME_LOCK_TIMEOUT: "1" } });
    expect(r.code).toBe(7);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`sesame: session "alice": gave up waiting for another sesame to finish fetching credentials for "alice" (held by process ${holder.pid}) — try again, or remove ${lock} if no sesame is running\n`);
  } finally {
    holder.kill();
    rmSync(lock, { force: true });
  }
});

test.skipIf(!existsSync("/usr/bin/script"))("secret set on a terminal prompts for both values and never echoes the secret", async () => {
  const w2 = await world();
  try {
    // Answer each prompt only once it is on the screen, as a person would.
    const child = spawn("/usr/bin/script", ["-qec", `${BIN} secret set alice`, "/dev/null"], { env: w2.env, stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    const answered = new Set<string>();
    child.stdout.on("data", (d) => {
      screen += d;
      if (screen.includes("Access key id for alice:") && !answered.has("id")) {
        answered.add("id");
        child.stdin.write(`${w2.alice.accessKeyId}\r`);
      }
      if (screen.includes("(not shown):") && !answered.has("secret")) {
        answered.add("secret");
        child.stdin.write(`${w2.alice.secretAccessKey}\r`);
      }
    });
    const code = await new Promise<number>((r) => child.on("close", (c) => r(c ?? 1)));
    expect(code).toBe(0);
    expect(screen).toContain(w2.alice.accessKeyId); // the id is echoed
    expect(screen).not.toContain(w2.alice.secretAccessKey); // the secret is not
    const c = await w2.run(["credential-process", "dev"]);
    expect(c.code).toBe(0);
  } finally {
    await w2.stop();
  }
});

test.skipIf(!existsSync("/usr/bin/script"))("two lines pasted at once answer both prompts", async () => {
  const w3 = await world();
  try {
    const r = await runBinary(["/usr/bin/script", "-qec", `${BIN} secret set alice`, "/dev/null"], w3.env, `${w3.alice.accessKeyId}\n${w3.alice.secretAccessKey}\n`);
    expect(r.code).toBe(0);
    expect((await w3.run(["credential-process", "alice"])).code).toBe(0);
  } finally {
    await w3.stop();
  }
});

test("no lock files are left behind after normal runs", () => {
  expect(readdirSync(w.cacheDir).filter((f) => f.endsWith(".lock"))).toEqual([]);
});
