// exec's process handling (statuses, signals) and its refusals; the credentials part runs end to end
// against the emulator elsewhere.
import { describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { validateExec } from "../../../src/commands/exec.ts";
import { run } from "../../../src/runtime/run-command.ts";
import { SesameError, UsageError } from "../../../src/errors.ts";

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

describe("refusals, before any I/O", () => {
  test("inside another sesame exec", () => {
    const e = (() => {
      try {
        validateExec(["true"], { SESAME_SESSION: "prod" });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).toLine()).toBe("sesame: already inside sesame exec for session prod — exit that shell first");
  });
  test("no command", () => {
    expect(() => validateExec([], {})).toThrow(UsageError);
    expect(() => validateExec(["true"], {})).not.toThrow();
  });
});

describe("the child's status becomes sesame's", () => {
  test("exit code", async () => {
    expect(await run(["sh", "-c", "exit 7"], env)).toBe(7);
    expect(await run(["true"], env)).toBe(0);
  });
  test("death by signal: 128 + its number", async () => {
    expect(await run(["sh", "-c", "kill -TERM $$"], env)).toBe(143);
    expect(await run(["sh", "-c", "kill -KILL $$"], env)).toBe(137);
  });
  test("not found: 127, not executable: 126, as env(1) reports them", async () => {
    const notFound = await run(["sesame-no-such-command"], env).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(SesameError);
    expect((notFound as SesameError).exit).toBe(127);
    const plain = join(mkdtempSync(join(tmpdir(), "sesame-exec-")), "not-executable");
    writeFileSync(plain, "#!/bin/sh\n", { mode: 0o644 });
    const notExec = await run([plain], env).catch((e: unknown) => e);
    expect((notExec as SesameError).exit).toBe(126);
  });
  test("the child gets exactly the environment it is given", async () => {
    expect(await run(["sh", "-c", 'test "$ONLY" = yes && test -z "$HOME"'], { ...env, ONLY: "yes" })).toBe(0);
  });
});

// A separate process plays sesame (run() installs signal handlers on its own process).
const HOST = `
import { run } from ${JSON.stringify(resolve(import.meta.dir, "../../../src/runtime/run-command.ts"))};
process.exitCode = await run(["sh", "-c", process.env.CHILD_SCRIPT], { PATH: process.env.PATH });
`;

test.each(["TERM", "INT", "HUP"] as const)("SIG%s sent to sesame alone reaches the child", async (sig) => {
  // The child traps the signal and exits with a status of its own, so that status proves it got it.
  // (Bounded loop: if forwarding broke, the orphaned child still ends on its own.)
  const script = `trap 'exit 42' ${sig}; echo ready; i=0; while [ $i -lt 1000 ]; do sleep 0.02; i=$((i + 1)); done`;
  // No terminal on any of the host's stdio: that is when sesame forwards SIGINT/SIGHUP itself.
  const host = spawn(process.execPath, ["-e", HOST], { stdio: ["ignore", "pipe", "pipe"], env: { ...env, CHILD_SCRIPT: script } });
  await new Promise<void>((ok) => host.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && ok()));
  host.kill(`SIG${sig}`);
  const code = await new Promise<number | null>((ok) => host.on("exit", (c) => ok(c)));
  expect(code).toBe(42);
});
