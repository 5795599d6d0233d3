// The cache's AES-256 key: 32 random bytes in a 0600 file under the state folder (not the cache folder),
// created once with link() so that parallel first runs agree on one key. Why a file and not the
// keyring: see docs/cache.md (the keyring costs ~4x the whole warm call).
import { linkSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./files.ts";

const KEY_FILE = "cache.key";

export function readCacheKey(stateDir: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const raw = readFileSync(join(stateDir, KEY_FILE), "utf8").trim();
    const key = Buffer.from(raw, "base64");
    return key.length === 32 ? new Uint8Array(key) : undefined;
  } catch {
    return undefined;
  }
}

export function ensureCacheKey(stateDir: string): Uint8Array<ArrayBuffer> {
  const existing = readCacheKey(stateDir);
  if (existing) return existing;
  const path = join(stateDir, KEY_FILE);
  const tmp = `${path}.${process.pid}.new`;
  writeFileAtomic(tmp, Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64") + "\n");
  try {
    linkSync(tmp, path); // fails if another process won the race: then use its key
  } catch {
    /* EEXIST: read below */
  } finally {
    try { unlinkSync(tmp); } catch { /* gone */ }
  }
  const key = readCacheKey(stateDir);
  if (!key) throw new Error(`cannot create the cache key at ${path}`);
  return key;
}
