// Cross-process lock files for single-flight: O_EXCL create, holder PID + start time inside.
// A lock whose holder died (same host, PID gone) or that is older than staleMs is taken over;
// a waiter wakes when the lock file goes (fs.watch), with a backing-off timer as the fallback (10 ms → 25 ms
// with jitter; 20 ms → 250 ms when file events work), and gives up at its deadline with a clear error.
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, watch, writeSync, type FSWatcher } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname } from "node:path";
import { BusyError } from "../errors.ts";
import { ensurePrivateDir } from "../runtime/files.ts";
import type { Env } from "../types.ts";

export interface LockOptions {
  /** give up waiting after this long */
  timeoutMs: number;
  /** a lock older than this is taken over even if its holder looks alive (PID reuse) */
  staleMs: number;
  /** what the lock protects, for the error message */
  what: string;
  /** the fallback timer's first and longest delay (tests make it long to show that a release wakes the
   *  waiter through a file event) */
  pollMs?: { first: number; max: number };
  /** Asked after each wake-up while another process holds the lock: true when what the lock protects is
   *  done already (the holder has written the entry), so this waiter need not take the lock at all. Without
   *  it, the waiters of a herd would take the lock one after another just to read the holder's result. */
  doneWaiting?: () => Promise<boolean>;
}

export function lockTimeoutMs(env: Env, fallbackSeconds = 120): number {
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
export function hopLockOptions(hop: string, env: Env): LockOptions {
  return { timeoutMs: lockTimeoutMs(env), staleMs: 10 * 60_000, what: `fetching credentials for "${hop}"` };
}

const HOST = hostname();

export async function acquire(path: string, opts: LockOptions): Promise<() => void> {
  try {
    ensurePrivateDir(dirname(path));
  } catch {
    // A folder that cannot be made (read-only root, a file in the way): the caller has said so already
    // (store/cache-folder.ts); work on without single-flight rather than fail.
    return () => {};
  }
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 10;
  const me = `${process.pid} ${Date.now()} ${HOST} ${oneLine(opts.what)}`;
  let released: ReleaseWatch | undefined;
  const started = Date.now();
  let told = "";
  try {
    for (;;) {
      // After a wake-up, try to create the lock only if it looks free: a failed exclusive create costs an
      // exception, and 49 waiters of a herd each wake several times.
      if (!released || !statSync(path, { throwIfNoEntry: false })) {
        try {
          const fd = openSync(path, "wx", 0o600);
          writeSync(fd, me);
          closeSync(fd);
          return ownLock(path, me);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        }
      }
      const held = readHolder(path);
      if (held !== undefined && isStale(held, opts.staleMs)) {
        takeOver(path, held);
        continue;
      }
      if (held?.pid && held.purpose && held.purpose !== told && Date.now() - started >= TELL_AFTER_MS) told = tellWaiting(held);
      if (Date.now() >= deadline) {
        const who = held ? ` (held by process ${held.pid})` : "";
        throw new BusyError(`gave up waiting for another sesame to finish ${opts.what}${who}`, `try again, or remove ${path} if no sesame is running`);
      }
      // Woken as soon as the lock file goes (inotify and the like), so the holder's result is read at
      // once; the timer stays as a fallback (no file events here, a holder that died) and backs off.
      if (!released) {
        released = watchRelease(path);
        // With file events, the timer only has to notice a holder that died: it can back off further.
        delay = opts.pollMs?.first ?? (released.watching ? 20 : 10);
      }
      await released.next(delay + Math.random() * delay);
      delay = Math.min(delay * 2, opts.pollMs?.max ?? (released.watching ? 250 : 25));
      if (opts.doneWaiting && (await opts.doneWaiting())) return () => {}; // nothing taken, nothing to release
    }
  } finally {
    released?.close();
  }
}

/** The locks this process holds, with what each file says now (announce() rewrites it). */
const held = new Map<string, string>();

function ownLock(path: string, me: string): () => void {
  held.set(path, me);
  return () => {
    // Only remove the lock if it is still ours (it may have been taken over as stale).
    try {
      if (readFileSync(path, "utf8") === held.get(path)) unlinkSync(path);
    } catch { /* already gone */ }
    held.delete(path);
  };
}

/** Tells the processes waiting on this one's locks what it is doing now ("asking for the MFA code of
 *  alice"), so that a waiter on a terminal can say what it waits for. Best effort. */
export function announce(purpose: string): void {
  for (const [path, now] of held) {
    const [pid, since, host] = now.split(" ");
    const next = `${pid} ${since} ${host} ${oneLine(purpose)}`;
    const tmp = `${path}.${process.pid}.announce`;
    try {
      if (readFileSync(path, "utf8") !== now) continue; // taken over meanwhile: not ours to write
      const fd = openSync(tmp, "w", 0o600);
      writeSync(fd, next);
      closeSync(fd);
      renameSync(tmp, path);
      held.set(path, next);
    } catch {
      try { unlinkSync(tmp); } catch { /* not made */ }
    }
  }
}

/** A waiter says what it waits for once it has waited this long (most waits end well before). */
const TELL_AFTER_MS = 1000;

/** On a terminal only: a process run by an SDK has nobody reading its stderr, but a person at the terminal
 *  should know why nothing happens. Returns the purpose told, so it is told again only when it changes. */
function tellWaiting(h: Holder): string {
  try {
    const tty = process.platform === "win32" ? "\\\\.\\CONOUT$" : "/dev/tty";
    const fd = openSync(tty, "w");
    try {
      writeSync(fd, `sesame: waiting: another sesame, pid ${h.pid}, is ${oneLine(h.purpose)}\n`);
    } finally {
      closeSync(fd);
    }
  } catch { /* no terminal */ }
  return h.purpose;
}

function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, " ");
}

interface ReleaseWatch {
  watching: boolean;
  /** resolves when the lock file may have gone, or after ms */
  next(ms: number): Promise<void>;
  close(): void;
}

function watchRelease(path: string): ReleaseWatch {
  const name = basename(path);
  let wake: (() => void) | undefined;
  let pending = false;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      if (file !== null && String(file) !== name) return;
      pending = true;
      wake?.();
    });
    watcher.on("error", () => { /* the timer still runs */ });
  } catch {
    watcher = undefined; // no file events on this system: poll
  }
  return {
    watching: watcher !== undefined,
    next(ms) {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise((r) => {
        const t = setTimeout(done, ms);
        function done() {
          clearTimeout(t);
          wake = undefined;
          pending = false;
          r();
        }
        wake = done;
      });
    },
    close() {
      try { watcher?.close(); } catch { /* closed */ }
    },
  };
}

interface Holder {
  raw: string;
  pid: number;
  since: number;
  host: string;
  /** what the holder is doing, for a waiter on a terminal */
  purpose: string;
  empty?: boolean;
}

/** A holder writes its PID right after creating the lock: an empty lock this old was abandoned. */
const EMPTY_LOCK_STALE_MS = 2000;

function readHolder(path: string): Holder | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined; // released meanwhile: retry at once
    // Unreadable (not ours, a folder …): judged by its age like a lock with garbage in it.
    const since = mtimeOf(path);
    return since === undefined ? undefined : { raw: "", pid: 0, since, host: "", purpose: "" };
  }
  if (raw === "") {
    // Caught between create and write — or left empty by a holder killed right there. Its age is the
    // file's: young, it is a holder about to write; older than a moment, nobody will ever write it.
    return { raw, pid: 0, since: mtimeOf(path) ?? Date.now(), host: "", purpose: "", empty: true };
  }
  const [pid, since, host, ...purpose] = raw.split(" ");
  const p = Number(pid);
  const t = Number(since);
  if (!Number.isSafeInteger(p) || p <= 0 || !Number.isFinite(t) || t <= 0) {
    // Garbage: its age is the file's, so it is taken over once older than staleMs (and not "fresh forever").
    return { raw, pid: 0, since: mtimeOf(path) ?? 0, host: "", purpose: "" };
  }
  return { raw, pid: p, since: t, host: host ?? "", purpose: purpose.join(" ") };
}

function mtimeOf(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined; // released meanwhile
  }
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
