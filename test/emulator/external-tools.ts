// The real AWS clients the conformance tests drive: Debian's AWS CLI v2 and botocore. CI installs both
// (.ci/run), so there a missing tool fails its tests; elsewhere they are skipped with a message.
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "bun:test";

export const AWS_CLI = "/usr/bin/aws";
export const SYSTEM_PYTHON = "/usr/bin/python3";
export const hasAwsCli = existsSync(AWS_CLI);
// The python3 on PATH may be a pyenv build without botocore; Debian's python3-botocore lives under /usr/bin.
export const hasBotocore = existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ["-c", "import botocore"]).status === 0;

/** Runs the test when the tool exists; fails it in CI (which installs the tools), skips it elsewhere. */
export function withTool(available: boolean, tool: string, name: string, fn: () => Promise<void>) {
  if (available) return test(name, fn);
  if (process.env.CI && process.env.CI !== "false" && process.env.CI !== "0") {
    return test(name, () => {
      throw new Error(`${tool} is required in CI but is not installed`);
    });
  }
  console.warn(`skipping "${name}": ${tool} is not installed`);
  return test.skip(name, fn);
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Async on purpose: the emulator answers from this same process, so a sync spawn would deadlock. */
export function run(file: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(error);
      resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
    });
  });
}
