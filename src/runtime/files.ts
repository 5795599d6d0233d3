// Every file sesame writes goes through here: 0600 files in 0700 folders, written to a temporary
// name, fsynced, then renamed over the target, so a reader never sees a partial file.
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync, chmodSync, statSync, type Stats } from "node:fs";
import { dirname, join, basename } from "node:path";
import { randomHex } from "../runtime/random-hex.ts";

/** Creates the folder (and missing parents) 0700. A folder that already exists is left exactly as it is:
 * it may be the user's or a team's (~/.aws, the folder of a --config catalog, a setgid share), and its
 * mode is not sesame's to change; `sesame doctor` warns when a folder holding secrets is open to others. */
export function ensurePrivateDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return; // it existed
  // mkdir's mode is filtered by the umask: set exactly 0700 on the folders made just now, and on no other.
  for (let d = dir; ; d = dirname(d)) {
    try {
      chmodSync(d, 0o700);
    } catch {
      /* reported by the write that follows */
    }
    if (d === first || dirname(d) === d) break;
  }
}

/** Returns the written file's fstat, taken before the rename (what the cache's expiry index records). */
export function writeFileAtomic(path: string, data: string | Uint8Array): Stats {
  const dir = dirname(path);
  ensurePrivateDir(dir);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomHex(4)}.tmp`);
  const fd = openSync(tmp, "wx", 0o600);
  let st: Stats;
  try {
    const buf = typeof data === "string" ? new TextEncoder().encode(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    st = fstatSync(fd);
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
  return st;
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
