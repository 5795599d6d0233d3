// Every file sesame writes goes through here: 0600 files in 0700 folders, written to a temporary
// name, fsynced, then renamed over the target, so a reader never sees a partial file.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync, chmodSync, statSync } from "node:fs";
import { dirname, join, basename } from "node:path";

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and does not touch an existing folder: tighten our own folder.
  try {
    const st = statSync(dir);
    if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  } catch {
    /* reported by the write that follows */
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  ensurePrivateDir(dir);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Buffer.from(crypto.getRandomValues(new Uint8Array(4))).toString("hex")}.tmp`);
  const fd = openSync(tmp, "wx", 0o600);
  try {
    const buf = typeof data === "string" ? new TextEncoder().encode(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
}

const TEMP_RE = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** Removes temporary files that writers killed before their rename left behind: those whose process is
 * gone, or older than ten minutes (a PID may have been reused). Best effort, never throws. */
export function sweepStaleTemps(dir: string, now = Date.now()): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = TEMP_RE.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    let dead = false;
    try {
      process.kill(Number(m[1]), 0);
    } catch (e) {
      dead = (e as NodeJS.ErrnoException).code === "ESRCH";
    }
    try {
      if (dead || now - statSync(path).mtimeMs > 10 * 60_000) {
        unlinkSync(path);
        removed++;
      }
    } catch { /* raced with its writer or another sweeper */ }
  }
  return removed;
}
