// The cache's AES-256 key: 32 random bytes in a 0600 file under the state folder (not the cache folder),
// created once with link() so that parallel first runs agree on one key. Why a file and not the
// keyring: see docs/cache.md (the keyring costs ~4x the whole warm call).
import { joinPath } from "../runtime/paths.ts";
import { readFileBytes } from "../runtime/read-file.ts";

const KEY_FILE = "cache.key";

export async function readCacheKey(stateDir: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const raw = await readFileBytes(joinPath(stateDir, KEY_FILE));
  if (!raw) return undefined;
  // atob, not Buffer: the first use of Buffer costs measurable start-up on the warm path.
  let bin: string;
  try {
    bin = atob(new TextDecoder().decode(raw).trim());
  } catch {
    return undefined;
  }
  if (bin.length !== 32) return undefined;
  const key = new Uint8Array(32);
  for (let i = 0; i < 32; i++) key[i] = bin.charCodeAt(i);
  return key;
}

export async function ensureCacheKey(stateDir: string): Promise<Uint8Array<ArrayBuffer>> {
  const existing = await readCacheKey(stateDir);
  if (existing) return existing;
  const { existsSync, linkSync, renameSync, unlinkSync } = await import("node:fs");
  const { writeFileAtomic } = await import("../runtime/files.ts");
  const path = joinPath(stateDir, KEY_FILE);
  const tmp = `${path}.${process.pid}.new`;
  writeFileAtomic(tmp, Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64") + "\n");
  try {
    if (existsSync(path)) {
      // Another process may have just created it: use its key. Still unusable (truncated, emptied,
      // edited): nothing encrypted under it can be read anyway, so replace it — atomically.
      const now = await readCacheKey(stateDir);
      if (now) return now;
      renameSync(tmp, path);
    } else {
      linkSync(tmp, path); // fails if another process won the race: then use its key
    }
  } catch {
    /* EEXIST: read below */
  } finally {
    try { unlinkSync(tmp); } catch { /* renamed, or gone */ }
  }
  const key = await readCacheKey(stateDir);
  if (!key) throw new Error(`cannot create the cache key at ${path}`);
  return key;
}
