// The local record of who got which session's credentials (`sesame log`): one JSON line per
// credential-process call or background renewal, appended to access.jsonl in the state folder (0600).
// One write() of one line under O_APPEND, so concurrent writers never interleave a line (each line is
// kept under PIPE_BUF, 4096 bytes); past 1 MiB the file moves to access.jsonl.1 (one older file kept).
// Never a secret: the session, the outcome, sesame's error code, and the calling process as the OS shows
// it. Best effort: a record that cannot be written never fails the call. SESAME_LOG=off turns it off.
//
// A cache hit must not pay for loading node:fs (~3 ms of a ~23 ms floor here, docs/performance.md), and
// Bun's own file API cannot append. So under Bun a hit or a stale-served call writes its line as one small
// file of its own in access.d/ (Bun.write; the caller's executable through Bun.resolveSync's realpath, its
// folder through chdir + getcwd), and whoever appends next — a miss, a renewal, an error, `sesame log` —
// folds those files into access.jsonl first, oldest first, each claimed by a rename so that two folders
// never copy one twice.
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

const SPOOL = "access.d";
type Bunlike = { write(path: string, data: string): Promise<number>; resolveSync(spec: string, from: string): string };
const BUN = (globalThis as { Bun?: Bunlike }).Bun;

export async function recordAccess(stateDir: string, env: Env, r: { session: string; outcome: Outcome; code?: string }, capBytes = LOG_CAP_BYTES): Promise<void> {
  if (!logEnabled(env)) return;
  try {
    const rec: AccessRecord = { t: new Date().toISOString(), session: r.session, outcome: r.outcome, ...(r.code ? { code: r.code } : {}), ppid: process.ppid };
    if (BUN && (r.outcome === "hit" || r.outcome === "stale-served")) return await spoolRecord(stateDir, rec, BUN);
    const fs = await import("node:fs");
    if (process.platform === "linux") {
      const exe = readlink(fs, `/proc/${process.ppid}/exe`);
      if (exe) rec.exe = exe.slice(exe.lastIndexOf("/") + 1).slice(0, 255);
      const cwd = readlink(fs, `/proc/${process.ppid}/cwd`);
      if (cwd) rec.cwd = cwd.slice(0, MAX_FIELD);
    }
    foldSpool(fs, stateDir, capBytes);
    appendLines(fs, stateDir, JSON.stringify(rec) + "\n", capBytes);
  } catch { /* best effort: never fail a call over its record */ }
}

/** The hit's record as a file of its own (see the top of this file): no node:fs. */
async function spoolRecord(stateDir: string, rec: AccessRecord, bun: Bunlike): Promise<void> {
  if (process.platform === "linux") {
    try {
      const exe = bun.resolveSync(`/proc/${process.ppid}/exe`, "/"); // a realpath: the symlink's target
      rec.exe = exe.slice(exe.lastIndexOf("/") + 1).slice(0, 255);
    } catch { /* not ours to see */ }
    const here = process.cwd();
    try {
      process.chdir(`/proc/${process.ppid}/cwd`);
      rec.cwd = process.cwd().slice(0, MAX_FIELD);
    } catch { /* not ours to see */ } finally {
      try {
        process.chdir(here);
      } catch { /* our own folder went away: nothing depends on it from here */ }
    }
  }
  // umask 077 for the file and any folder Bun.write makes: 0600 in 0700, as every file sesame writes
  const old = process.umask(0o077);
  try {
    const name = `${Date.now().toString().padStart(14, "0")}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.json`;
    await bun.write(`${stateDir}/${SPOOL}/${name}`, JSON.stringify(rec) + "\n");
  } finally {
    process.umask(old);
  }
}

/** Moves the spooled records into access.jsonl, oldest first; each file is claimed by a rename first. */
function foldSpool(fs: typeof import("node:fs"), stateDir: string, capBytes: number): void {
  const dir = `${stateDir}/${SPOOL}`;
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith(".json")).sort();
  } catch {
    return; // none yet
  }
  const claim = `.fold-${process.pid}`;
  for (const n of names) {
    const taken = `${dir}/${n}${claim}`;
    try {
      fs.renameSync(`${dir}/${n}`, taken);
    } catch {
      continue; // another process folds it
    }
    try {
      const text = fs.readFileSync(taken, "utf8");
      if (text.endsWith("\n") && text.length < 4096 && text.indexOf("\n") === text.length - 1) appendLines(fs, stateDir, text, capBytes);
    } catch { /* unreadable: dropped with the file */ }
    try {
      fs.unlinkSync(taken);
    } catch { /* gone */ }
  }
  // claims a killed folder left behind (an hour old): their line may or may not be in already; dropped
  for (const n of fs.readdirSync(dir)) {
    if (!n.includes(".fold-")) continue;
    try {
      if (Date.now() - fs.statSync(`${dir}/${n}`).mtimeMs > 3600_000) fs.unlinkSync(`${dir}/${n}`);
    } catch { /* gone */ }
  }
}

/** One write() of whole lines under O_APPEND, then the rotation check. */
function appendLines(fs: typeof import("node:fs"), stateDir: string, lines: string, capBytes: number): void {
  const file = accessLogPath(stateDir);
  let fd: number;
  try {
    fd = fs.openSync(file, "a", 0o600);
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOENT") return;
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    fd = fs.openSync(file, "a", 0o600);
  }
  try {
    fs.writeSync(fd, lines);
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
}

function readlink(fs: typeof import("node:fs"), p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}

/** Every record, oldest first (the rotated file, then the current one); lines that do not parse are skipped. */
export async function readAccessLog(stateDir: string, capBytes = LOG_CAP_BYTES): Promise<AccessRecord[]> {
  const fs = await import("node:fs");
  try {
    foldSpool(fs, stateDir, capBytes);
  } catch { /* show what is there */ }
  const { readFileSync } = fs;
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
  // spooled hits are folded in after lines written later: time order (ISO strings sort as times; stable)
  return out.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
}
