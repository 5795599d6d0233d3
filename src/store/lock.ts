// Cross-process lock files for single-flight: O_EXCL create, holder PID + start time inside.
// A lock whose holder died (same host, PID gone) or that is older than staleMs is taken over;
// a waiter backs off (10 ms → 25 ms with jitter: a lock is held for one STS round trip) and gives up at its deadline with a clear error.
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, linkSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { BusyError } from "../errors.ts";
import { ensurePrivateDir } from "./files.ts";

export interface LockOptions {
  /** give up waiting after this long */
  timeoutMs: number;
  /** a lock older than this is taken over even if its holder looks alive (PID reuse) */
  staleMs: number;
  /** what the lock protects, for the error message */
  what: string;
}

export function lockTimeoutMs(env: Record<string, string | undefined>, fallbackSeconds = 120): number {
  const s = Number(env.SESAME_LOCK_TIMEOUT);
  return (Number.isFinite(s) && s > 0 ? s : fallbackSeconds) * 1000;
}

export async function withLock<T>(path: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const release = await acquire(path, opts);
  try {
    return await fn();
  } finally {
    release();
  }
}

/** The lock that makes one process fetch a hop while the others wait and then read its entry. */
export function hopLockOptions(hop: string, env: Record<string, string | undefined>): LockOptions {
  return { timeoutMs: lockTimeoutMs(env), staleMs: 10 * 60_000, what: `fetching credentials for "${hop}"` };
}

const HOST = hostname();

export async function acquire(path: string, opts: LockOptions): Promise<() => void> {
  ensurePrivateDir(dirname(path));
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 10;
  const me = `${process.pid} ${Date.now()} ${HOST}`;
  for (;;) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, me);
      closeSync(fd);
      return () => {
        // Only remove the lock if it is still ours (it may have been taken over as stale).
        try {
          if (readFileSync(path, "utf8") === me) unlinkSync(path);
        } catch { /* already gone */ }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const held = readHolder(path);
    if (held !== undefined && isStale(held, opts.staleMs)) {
      takeOver(path, held);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = held ? ` (held by process ${held.pid})` : "";
      throw new BusyError(`gave up waiting for another sesame to finish ${opts.what}${who}`, `try again, or remove ${path} if no sesame is running`);
    }
    await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 25);
  }
}

interface Holder {
  raw: string;
  pid: number;
  since: number;
  host: string;
  empty?: boolean;
}

/** A holder writes its PID right after creating the lock: an empty lock this old was abandoned. */
const EMPTY_LOCK_STALE_MS = 2000;

function readHolder(path: string): Holder | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch {
    return undefined; // released meanwhile: retry at once
  }
  const [pid, since, host] = raw.split(" ");
  if (raw === "") {
    // Caught between create and write — or left empty by a holder killed right there. Its age is the
    // file's: young, it is a holder about to write; older than a moment, nobody will ever write it.
    let mtime = Date.now();
    try {
      mtime = statSync(path).mtimeMs;
    } catch { /* released meanwhile */ }
    return { raw, pid: 0, since: mtime, host: "", empty: true };
  }
  return { raw, pid: Number(pid) || 0, since: Number(since) || Date.now(), host: host ?? "" };
}

function isStale(h: Holder, staleMs: number): boolean {
  if (h.empty) return Date.now() - h.since > EMPTY_LOCK_STALE_MS;
  if (Date.now() - h.since > staleMs) return true;
  if (h.pid > 0 && h.host === HOST) {
    try {
      process.kill(h.pid, 0);
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === "ESRCH";
    }
  }
  return false;
}

/** Move the stale lock aside and check that what moved is what was judged stale; if another waiter
 * already replaced it with a fresh lock, put that one back. */
function takeOver(path: string, held: Holder): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  let moved = "";
  try {
    moved = readFileSync(aside, "utf8");
  } catch { /* vanished */ }
  if (moved !== held.raw) {
    try { linkSync(aside, path); } catch { /* a newer lock exists: it wins */ }
  }
  try { unlinkSync(aside); } catch { /* gone */ }
}
