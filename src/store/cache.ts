// Encrypted credential cache: one file per hop, named sha256(hop identity), holding
// magic | 12-byte IV | AES-256-GCM(ciphertext + tag) with the hop identity as associated data, so an
// entry moved to another name, edited, truncated or made with another key is a miss — never served.
// WebCrypto, not node:crypto: it is the cheaper import on the warm path (docs/performance.md).
// Reading statically imports neither node:fs nor node:path (see runtime/read-file.ts); writing loads them.
import type { Credentials } from "../types.ts";
import { joinPath as join } from "../runtime/paths.ts";
import { sha256Hex } from "../runtime/sha256.ts";
import { folderReader, readFileBytes } from "../runtime/read-file.ts";
import { ensureCacheKey, readCacheKey } from "./cache-key.ts";

const MAGIC = new Uint8Array([0x53, 0x53, 0x4d, 0x01]); // "SSM" v1
const enc = new TextEncoder();

/** An entry's file name: the SHA-256 of its hop identity. */
export function entryName(identity: string): Promise<string> {
  return sha256Hex(identity);
}

/** The lock file that single-flights fetching this entry (store/lock.ts). */
export async function entryLockPath(loc: Pick<CacheLocation, "cacheDir">, identity: string): Promise<string> {
  return join(loc.cacheDir, `${await entryName(identity)}.lock`);
}

async function aesKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}

export interface CacheLocation {
  cacheDir: string;
  stateDir: string;
}

/** The entry, or undefined on any kind of miss (absent, damaged, other key). */
export async function readEntry(loc: CacheLocation, identity: string): Promise<Credentials | undefined> {
  const raw = await readCacheKey(loc.stateDir);
  if (!raw) return undefined;
  let blob: Uint8Array<ArrayBuffer> | undefined;
  try {
    blob = await readFileBytes(join(loc.cacheDir, (await entryName(identity)) + ".cred"));
  } catch {
    return undefined; // unreadable is a miss
  }
  return blob && decodeEntry(raw, identity, blob);
}

/** From this many entries on, entryReader loads node:crypto. */
const MANY_ENTRIES = 48;

/** Reads many entries with one key read (sesame list over hundreds of sessions). Synchronous node:crypto
 *  here: each WebCrypto call is a round trip to a worker thread, which for 500 entries costs more than
 *  loading node:crypto once. Same format and checks as decodeWithKey. */
export async function entryReader(loc: CacheLocation, count: number): Promise<(identity: string) => Promise<Credentials | undefined>> {
  if (count < MANY_ENTRIES) return (identity) => readEntry(loc, identity); // loading node:crypto would cost more
  const raw = await readCacheKey(loc.stateDir);
  if (!raw) return async () => undefined;
  const { createDecipheriv } = await import("node:crypto");
  const { sha256HexSync } = await import("../runtime/sha256-sync.ts");
  const readFile = await folderReader(loc.cacheDir);
  return async (identity) => {
    const blob = readFile(sha256HexSync(identity) + ".cred");
    if (!blob || blob.length < MAGIC.length + 12 + 16 || !MAGIC.every((b, i) => blob[i] === b)) return undefined;
    try {
      const d = createDecipheriv("aes-256-gcm", raw, blob.subarray(4, 16));
      d.setAAD(enc.encode(identity));
      d.setAuthTag(blob.subarray(blob.length - 16));
      const head = d.update(blob.subarray(16, blob.length - 16));
      const plain = Buffer.concat([head, d.final()]);
      return credentialsFrom(plain);
    } catch {
      return undefined;
    }
  };
}

export async function decodeEntry(raw: Uint8Array<ArrayBuffer>, identity: string, blob: Uint8Array<ArrayBuffer>): Promise<Credentials | undefined> {
  return decodeWithKey(await aesKey(raw), identity, blob);
}

async function decodeWithKey(key: CryptoKey, identity: string, blob: Uint8Array<ArrayBuffer>): Promise<Credentials | undefined> {
  if (blob.length < MAGIC.length + 12 + 16 || !MAGIC.every((b, i) => blob[i] === b)) return undefined;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: blob.subarray(4, 16), additionalData: enc.encode(identity) },
      key,
      blob.subarray(16),
    );
    return credentialsFrom(new Uint8Array(plain));
  } catch {
    return undefined;
  }
}

/** The decrypted payload: {k, s, t?, e}. Anything else is a miss. */
function credentialsFrom(plain: Uint8Array): Credentials | undefined {
  try {
    const o = JSON.parse(new TextDecoder().decode(plain)) as Record<string, unknown>;
    if (typeof o.k !== "string" || typeof o.s !== "string" || typeof o.e !== "string") return undefined;
    const exp = new Date(o.e);
    if (Number.isNaN(exp.getTime())) return undefined;
    const c: Credentials = { accessKeyId: o.k, secretAccessKey: o.s, expiration: exp };
    if (typeof o.t === "string") c.sessionToken = o.t;
    return c;
  } catch {
    return undefined;
  }
}

export async function encodeEntry(raw: Uint8Array<ArrayBuffer>, identity: string, c: Credentials): Promise<Uint8Array<ArrayBuffer>> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = enc.encode(JSON.stringify({ k: c.accessKeyId, s: c.secretAccessKey, t: c.sessionToken, e: c.expiration?.toISOString() }));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: enc.encode(identity) }, await aesKey(raw), plain));
  const out = new Uint8Array(MAGIC.length + iv.length + ct.length);
  out.set(MAGIC, 0);
  out.set(iv, MAGIC.length);
  out.set(ct, MAGIC.length + iv.length);
  return out;
}

/** Stores an entry. A cache that cannot be written (full disk, something foreign at the entry's name)
 * must not cost the caller its fresh credentials: failures are logged (--verbose) and swallowed. */
export async function writeEntry(loc: CacheLocation, identity: string, c: Credentials): Promise<void> {
  if (!c.expiration) return; // long-lived keys are never cached
  const { writeFileAtomic, sweepStaleTemps } = await import("../runtime/files.ts");
  const path = join(loc.cacheDir, (await entryName(identity)) + ".cred");
  try {
    const blob = await encodeEntry(await ensureCacheKey(loc.stateDir), identity, c);
    try {
      writeFileAtomic(path, blob);
    } catch (e) {
      // A directory (or other non-file) squatting on the name: clear it once, then try again.
      const { lstatSync, rmSync } = await import("node:fs");
      if (!lstatSync(path, { throwIfNoEntry: false })?.isFile()) rmSync(path, { recursive: true, force: true });
      else throw e;
      writeFileAtomic(path, blob);
    }
  } catch (e) {
    const { log } = await import("../log.ts");
    log("cache write failed", { path, error: (e as Error).message });
  }
  sweepStaleTemps(loc.cacheDir);
}

export async function deleteEntry(loc: CacheLocation, identity: string): Promise<boolean> {
  const { unlinkSync } = await import("node:fs");
  try {
    unlinkSync(join(loc.cacheDir, (await entryName(identity)) + ".cred"));
    return true;
  } catch {
    return false;
  }
}

/** Removes every entry (sesame cache clear). */
export async function clearEntries(loc: CacheLocation): Promise<number> {
  const { readdirSync, unlinkSync } = await import("node:fs");
  (await import("../runtime/files.ts")).sweepStaleTemps(loc.cacheDir);
  let n = 0;
  let names: string[] = [];
  try {
    names = readdirSync(loc.cacheDir);
  } catch {
    return 0;
  }
  for (const f of names) {
    if (f.endsWith(".cred")) {
      try {
        unlinkSync(join(loc.cacheDir, f));
        n++;
      } catch { /* raced with another process */ }
    }
  }
  return n;
}

export function isFresh(c: Credentials | undefined, nowMs: number, marginSeconds: number): c is Credentials {
  return !!c?.expiration && c.expiration.getTime() - nowMs > marginSeconds * 1000;
}
