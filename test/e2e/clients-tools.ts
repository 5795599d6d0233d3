// Helpers for real-clients.test.ts and exec-env-whoami.test.ts: the external tools (AWS CLI, botocore,
// fish), running them without blocking the in-process emulator, and looking at processes in /proc.
import { test } from "bun:test";
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { Run } from "./harness.ts";

export const AWS_CLI = "/usr/bin/aws";
// The python3 on PATH may be a pyenv build without botocore; Debian's python3-botocore lives under /usr/bin.
export const SYSTEM_PYTHON = "/usr/bin/python3";
export const FISH = "/usr/bin/fish";
/** util-linux script(1): runs a command on a pseudo-terminal (bsdutils, Essential on Debian). */
export const SCRIPT = "/usr/bin/script";

export const hasAwsCli = existsSync(AWS_CLI);
export const hasBotocore = existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ["-c", "import botocore"]).status === 0;
export const hasFish = existsSync(FISH);
export const hasScript = existsSync(SCRIPT);

const inCI = !!process.env.CI && process.env.CI !== "false" && process.env.CI !== "0";

/**
 * Runs the test when the tool exists. When it does not: a tool CI installs (.ci/run) fails the test
 * in CI and skips it elsewhere; an optional tool (requiredInCI false) is always skipped.
 */
export function withTool(available: boolean, tool: string, name: string, fn: () => Promise<void>, timeout?: number, requiredInCI = true, todo = false) {
  if (available) return todo ? test.todo(name, fn) : test(name, fn, timeout);
  if (inCI && requiredInCI) {
    return test(name, () => {
      throw new Error(`${tool} is required in CI but is not installed`);
    });
  }
  console.warn(`skipping "${name}": ${tool} is not installed`);
  return test.skip(name, fn);
}

/** Async on purpose: the emulator answers from this same process, so a sync spawn would deadlock. */
export function runTool(file: string, args: string[], env: Record<string, string>, opts: { cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, cwd: opts.cwd, timeout: 25_000, maxBuffer: 4 << 20 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(error);
      resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
    });
  });
}

/** The environment an AWS tool gets: the test HOME's, plus what keeps the AWS CLI quiet and offline. */
export function toolEnv(base: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  return { ...base, AWS_PAGER: "", AWS_EC2_METADATA_DISABLED: "true", LANG: "C.UTF-8", ...extra };
}

/** POSIX sh single quotes. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The pids whose parent is `ppid` (from /proc/PID/stat; the command name may hold spaces and parentheses). */
export function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[1]) === ppid) out.push(Number(entry));
  }
  return out;
}

/** NUL-separated /proc files (cmdline, environ) as a list of strings. */
export function procStrings(pid: number, file: "cmdline" | "environ"): string[] {
  return readFileSync(`/proc/${pid}/${file}`, "latin1").split("\0").filter((s) => s !== "");
}

/** Polls `probe` until it returns a value (not a timing assertion: only a bound on a wait that should end at once). */
export async function waitFor<T>(what: string, probe: () => T | undefined, limitMs = 10_000): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/**
 * Applies a unified diff (as `sesame profiles sync --dry-run` prints it) to `original`, checking every
 * context and removed line against it, so a test can say "this diff turns the file into exactly that".
 */
export function applyUnifiedDiff(original: string, diff: string): string {
  const src = original.split("\n");
  const out: string[] = [];
  let at = 0; // next unread line of src
  const lines = diff.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let i = 0;
  while (i < lines.length && !lines[i]!.startsWith("@@")) i++; // the ---/+++ header
  while (i < lines.length) {
    const m = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@/.exec(lines[i]!);
    if (!m) throw new Error(`not a hunk header: ${JSON.stringify(lines[i])}`);
    const start = Number(m[1]) - (m[2] === "0" ? 0 : 1);
    while (at < start) out.push(src[at++]!);
    for (i++; i < lines.length && !lines[i]!.startsWith("@@"); i++) {
      const l = lines[i]!;
      const op = l[0];
      const text = l.slice(1);
      if (op === "+") out.push(text);
      else if (op === " " || op === "-") {
        if (src[at] !== text) throw new Error(`diff does not apply at line ${at + 1}: ${JSON.stringify(text)} vs ${JSON.stringify(src[at])}`);
        if (op === " ") out.push(text);
        at++;
      } else if (op !== "\\") throw new Error(`unexpected diff line: ${JSON.stringify(l)}`);
    }
  }
  while (at < src.length) out.push(src[at++]!);
  return out.join("\n");
}
