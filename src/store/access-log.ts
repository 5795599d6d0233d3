// The local record of who got which session's credentials (`sesame log`): one JSON line per
// credential-process call or background renewal, appended to access.jsonl in the state folder (0600).
// One write() of one line under O_APPEND, so concurrent writers never interleave a line (each line is
// kept under PIPE_BUF, 4096 bytes); past 1 MiB the file moves to access.jsonl.1 (one older file kept).
// Never a secret: the session, the outcome, sesame's error code, and the calling process as the OS shows
// it. Best effort: a record that cannot be written never fails the call. SESAME_LOG=off turns it off.
import type { Env } from "../types.ts";

export type Outcome = "hit" | "stale-served" | "miss" | "renewal" | "error";

export interface AccessRecord {
  /** ISO time */
  t: string;
  session: string;
  outcome: Outcome;
  /** sesame's error code, for outcome "error" (and a renewal that failed) */
  code?: string;
  /** the calling process: its pid, executable and working folder where the OS gives them */
  ppid: number;
  exe?: string;
  cwd?: string;
}

export const LOG_CAP_BYTES = 1024 * 1024;
const MAX_FIELD = 1024;

export function accessLogPath(stateDir: string): string {
  return `${stateDir}/access.jsonl`;
}

export function logEnabled(env: Env): boolean {
  return (env.SESAME_LOG ?? "").toLowerCase() !== "off";
}

export async function recordAccess(stateDir: string, env: Env, r: { session: string; outcome: Outcome; code?: string }, capBytes = LOG_CAP_BYTES): Promise<void> {
  if (!logEnabled(env)) return;
  try {
    const fs = await import("node:fs");
    const rec: AccessRecord = { t: new Date().toISOString(), session: r.session, outcome: r.outcome, ...(r.code ? { code: r.code } : {}), ppid: process.ppid };
    if (process.platform === "linux") {
      const exe = readlink(fs, `/proc/${process.ppid}/exe`);
      if (exe) rec.exe = exe.slice(exe.lastIndexOf("/") + 1).slice(0, 255);
      const cwd = readlink(fs, `/proc/${process.ppid}/cwd`);
      if (cwd) rec.cwd = cwd.slice(0, MAX_FIELD);
    }
    const file = accessLogPath(stateDir);
    let fd: number;
    try {
      fd = fs.openSync(file, "a", 0o600);
    } catch (e) {
      if ((e as { code?: string }).code !== "ENOENT") return;
      (await import("../runtime/files.ts")).ensurePrivateDir(stateDir);
      fd = fs.openSync(file, "a", 0o600);
    }
    try {
      fs.writeSync(fd, JSON.stringify(rec) + "\n");
      // Rotated by whoever crosses the cap — but only while the name still leads to the file this writer
      // wrote to: a second writer that crossed it too would otherwise rename the fresh file a third one
      // just started over the full one, losing a whole megabyte of record.
      const mine = fs.fstatSync(fd);
      if (mine.size > capBytes) {
        const named = fs.statSync(file, { throwIfNoEntry: false });
        if (named && named.ino === mine.ino && named.dev === mine.dev) fs.renameSync(file, `${file}.1`);
      }
    } finally {
      fs.closeSync(fd);
    }
  } catch { /* best effort: never fail a call over its record */ }
}

function readlink(fs: typeof import("node:fs"), p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}

/** Every record, oldest first (the rotated file, then the current one); lines that do not parse are skipped. */
export async function readAccessLog(stateDir: string): Promise<AccessRecord[]> {
  const { readFileSync } = await import("node:fs");
  const out: AccessRecord[] = [];
  for (const f of [`${accessLogPath(stateDir)}.1`, accessLogPath(stateDir)]) {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        const v = JSON.parse(line) as AccessRecord;
        if (typeof v?.t === "string" && typeof v.session === "string" && typeof v.outcome === "string") out.push(v);
      } catch { /* a torn or foreign line */ }
    }
  }
  return out;
}
