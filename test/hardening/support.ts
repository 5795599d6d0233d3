// Shared by the hardening tests (test/hardening/*.test.ts): short forms in `npm test`, long forms under
// `npm run stress` (scripts/stress.ts sets HARDENING_STRESS=1 and HARDENING_REPORT=FILE). Not SESAME_*:
// test/preload.ts removes every SESAME_* variable before a test file loads.
//
//   HARDENING_STRESS=1   the long counts (≥ 200 crash trials, ≥ 10,000 property cases, every byte …)
//   HARDENING_REPORT=F   every test appends its figures (trials, failures, cases) to F as JSON lines
//   HARDENING_SEED=N     the seed of every random choice (default: from the clock; printed in the figures)
import { spawn } from "node:child_process";
import { appendFileSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Emulator } from "../emulator/index.ts";
import { BIN, type ProcessCredentials, type Run } from "../e2e/harness.ts";

// The cache-entry helpers live with the world they work on; the hardening tests take them from here too.
export { clearCreds, entryBase } from "../e2e/harness.ts";

export const STRESS = process.env.HARDENING_STRESS === "1";

/** The count for CI, or for the stress run. */
export function count(ci: number, stress: number): number {
  return STRESS ? stress : ci;
}

/** A per-test timeout: the CI bound, or a long one for the stress run. */
export function budget(ciMs: number, stressMs = 30 * 60_000): number {
  return STRESS ? stressMs : ciMs;
}

export interface Figure {
  area: string;
  what: string;
  trials: number;
  failures: number;
  /** property cases, bytes flipped, parallel calls … whatever the unit of the loop is */
  cases?: number;
  note?: string;
}

/** Records a figure for scripts/stress.ts (a no-op outside a stress run). */
export function figure(f: Figure): void {
  const file = process.env.HARDENING_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(f)}\n`);
}

/** Deterministic PRNG (mulberry32), so a failing trial can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SEED = Number(process.env.HARDENING_SEED ?? Date.now() % 1_000_000);

export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The one-line promise of every failure: exactly one line on stderr, starting "sesame: ", no stack. */
export function isOneLine(stderr: string): boolean {
  return /^sesame: [^\n]+\n$/.test(stderr) && !/\n\s+at /.test(stderr) && !stderr.startsWith("sesame: internal error");
}

/** Strict parse of a credential_process answer; undefined when stdout is not exactly one valid JSON line. */
export function parseOut(stdout: string): ProcessCredentials | undefined {
  if (!stdout.endsWith("\n") || stdout.indexOf("\n") !== stdout.length - 1) return undefined;
  try {
    const o = JSON.parse(stdout) as ProcessCredentials;
    if (o.Version !== 1 || typeof o.AccessKeyId !== "string" || typeof o.SecretAccessKey !== "string" || typeof o.SessionToken !== "string") return undefined;
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(o.Expiration)) return undefined;
    return o;
  } catch {
    return undefined;
  }
}

export interface Verdict {
  ok: boolean;
  why?: string;
  /** the principal the credentials act as (role ARN or user ARN) */
  principal?: string;
  /** the long-term key at the root of the chain that produced them, for iam-user chains */
  rootKey?: string;
  /** for SSO roles: the root credential came from the SSO portal */
  sso?: boolean;
}

/**
 * Are these exactly credentials the emulator issued, unexpired by the emulator's clock, with the same
 * secret, token and expiry? Returns whom they act as and the chain's root, so a test can tell "right
 * credentials" from merely "well-formed" ones.
 */
export function judge(emu: Emulator, o: ProcessCredentials | undefined): Verdict {
  if (!o) return { ok: false, why: "not one valid credential_process JSON line" };
  const t = emu.state.temporaryCredentials.get(o.AccessKeyId);
  if (!t) return { ok: false, why: `access key ${o.AccessKeyId} was never issued` };
  if (t.secretAccessKey !== o.SecretAccessKey) return { ok: false, why: "secret access key does not match the one issued" };
  if (t.sessionToken !== o.SessionToken) return { ok: false, why: "session token does not match the one issued" };
  if (Math.abs(t.expiration.getTime() - Date.parse(o.Expiration)) >= 1000) return { ok: false, why: `expiration ${o.Expiration} is not the issued ${t.expiration.toISOString()}` };
  if (t.expiration.getTime() <= emu.now().getTime()) return { ok: false, why: "expired" };
  let cur = t;
  let rootKey: string | undefined;
  let sso = false;
  for (let i = 0; i < 20; i++) {
    if (cur.source === "sso") sso = true;
    const by = cur.issuedBy;
    if (!by) break;
    const next = emu.state.temporaryCredentials.get(by);
    if (!next) {
      rootKey = by;
      break;
    }
    cur = next;
  }
  return { ok: true, principal: t.identity.principalArn, ...(rootKey ? { rootKey } : {}), sso };
}

/** Spawns the binary detached (no terminal), with a handle to kill it; resolves when it has exited. */
export function start(args: string[], env: Record<string, string>, stdin = "", bin: string[] = [BIN]): { pid: number; done: Promise<Run & { signal: string | null }>; kill(sig?: NodeJS.Signals): void } {
  const argv = [...bin, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  child.stdin!.on("error", () => {});
  child.stdin!.end(stdin);
  const done = new Promise<Run & { signal: string | null }>((res, rej) => {
    child.on("error", rej);
    child.on("close", (code, signal) => res({ code: code ?? 128, stdout, stderr, signal }));
  });
  return {
    pid: child.pid!,
    done,
    kill: (sig: NodeJS.Signals = "SIGKILL") => {
      try {
        child.kill(sig);
      } catch { /* already gone */ }
    },
  };
}

/** Every file and folder under dir (lstat: symlinks are not followed). */
export function walk(dir: string): { path: string; dir: boolean; mode: number; symlink: boolean }[] {
  const out: { path: string; dir: boolean; mode: number; symlink: boolean }[] = [];
  for (const name of listDir(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    out.push({ path: p, dir: st.isDirectory(), mode: st.mode & 0o777, symlink: st.isSymbolicLink() });
    if (st.isDirectory()) out.push(...walk(p));
  }
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
