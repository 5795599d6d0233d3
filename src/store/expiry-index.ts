// The expiry index: what `sesame list` needs of every cache entry (its expiry) without opening and
// decrypting hundreds of files. One line per written entry, appended to `expiries.idx` in the cache
// folder (0600): the entry's name, an id of the cache key it was written under, the inode, size and mtime
// of the very file written (taken from its descriptor before the rename), and the expiry.
//
// It is a hint, never an authority: a line is used only when the entry file's lstat still shows exactly
// that inode, size and mtime and the cache key is the same, so whatever happens to the index — lost lines
// (a writer killed, two writers racing a compaction), an older sesame that writes entries without it, a
// damaged or foreign file — costs `list` only the full read and decryption of the entries it cannot vouch
// for (and `list` then appends their lines: the index repairs itself). Writers append with O_APPEND, one
// write per call, so concurrent writers never interleave; the last line of a name wins. Past INDEX_CAP
// bytes a writer rewrites the file with the last line of each name whose entry still exists (temporary
// file + rename). It holds no secret: names (the files' own), file metadata and expiry times.
import { randomHex } from "../runtime/random-hex.ts";
import { sha256HexSync } from "../runtime/sha256-sync.ts";

export const INDEX_FILE = "expiries.idx";
/** Past this size the next writer compacts the index (500 sessions take ~60 KiB). */
export const INDEX_CAP = 256 * 1024;

export interface IndexRecord {
  /** the entry's file name without ".cred": the SHA-256 of its hop identity */
  name: string;
  /** keyId() of the cache key the entry was encrypted with */
  key: string;
  ino: number;
  size: number;
  mtimeMs: number;
  /** the credentials' expiry, ms since the epoch */
  expires: number;
}

export interface FileStat {
  ino: number;
  size: number;
  mtimeMs: number;
}

/** A short id of the cache key: a line written under another key (the key file replaced) is not used. */
export function keyId(key: Uint8Array): string {
  const tagged = new Uint8Array(key.length + 19);
  tagged.set(new TextEncoder().encode("sesame-expiry-index"), 0);
  tagged.set(key, 19);
  return sha256HexSync(tagged).slice(0, 16);
}

export function formatRecord(r: IndexRecord): string {
  return `${r.name} ${r.key} ${r.ino} ${r.size} ${r.mtimeMs} ${r.expires}\n`;
}

const LINE = /^([0-9a-f]{64}) ([0-9a-f]{16}) (\d{1,20}) (\d{1,12}) (\d{1,16}(?:\.\d{1,9})?) (\d{1,16})$/;

/** The last well-formed line of each name; anything else (a torn or foreign line) is skipped. */
export function parseIndex(text: string): Map<string, IndexRecord> {
  const out = new Map<string, IndexRecord>();
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    out.set(m[1]!, { name: m[1]!, key: m[2]!, ino: Number(m[3]), size: Number(m[4]), mtimeMs: Number(m[5]), expires: Number(m[6]) });
  }
  return out;
}

/** The record vouches for this file under this key. */
export function vouches(r: IndexRecord | undefined, key: string, st: FileStat): r is IndexRecord {
  return !!r && r.key === key && r.ino === st.ino && r.size === st.size && r.mtimeMs === st.mtimeMs;
}

type Fs = typeof import("node:fs");

/** Appends the records in one write (O_APPEND). Best effort: the index is only a hint. */
export function appendRecords(fs: Fs, cacheDir: string, records: IndexRecord[], cap = INDEX_CAP): void {
  if (records.length === 0) return;
  const file = `${cacheDir}/${INDEX_FILE}`;
  try {
    const fd = fs.openSync(file, "a", 0o600);
    let size = 0;
    try {
      fs.writeSync(fd, records.map(formatRecord).join(""));
      size = fs.fstatSync(fd).size;
    } finally {
      fs.closeSync(fd);
    }
    if (size > cap) compact(fs, cacheDir);
  } catch { /* no index: list reads the entries themselves */ }
}

/** Rewrites the index with the last line of each name whose entry file still exists. */
export function compact(fs: Fs, cacheDir: string): void {
  const file = `${cacheDir}/${INDEX_FILE}`;
  // named like runtime/files.ts's temporary files, so that sweepStaleTemps removes one left behind
  const tmp = `${cacheDir}/.${INDEX_FILE}.${process.pid}.${randomHex(4)}.tmp`;
  try {
    const live = new Set(fs.readdirSync(cacheDir));
    const kept = [...parseIndex(fs.readFileSync(file, "utf8")).values()].filter((r) => live.has(`${r.name}.cred`));
    fs.writeFileSync(tmp, kept.map(formatRecord).join(""), { mode: 0o600, flag: "wx" });
    fs.renameSync(tmp, file);
  } catch {
    try { fs.unlinkSync(tmp); } catch { /* not made */ }
  }
}
