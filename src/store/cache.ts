// Encrypted credential cache: one file per hop, named sha256(hop identity), holding
// magic | 12-byte IV | AES-256-GCM(ciphertext + tag) with the hop identity as associated data, so an
// entry moved to another name, edited, truncated or made with another key is a miss — never served.
// WebCrypto, not node:crypto: it is the cheaper import on the warm path (docs/performance.md).
// Reading statically imports neither node:fs nor node:path (see runtime/read-file.ts); writing loads them.
import type { Credentials } from "../types.ts";
import { joinPath as join } from "../runtime/paths.ts";
import { sha256HexSync } from "../runtime/sha256-sync.ts";
import { readFileBytes } from "../runtime/read-file.ts";
import { ensureCacheKey, readCacheKey } from "./cache-key.ts";

const MAGIC = new Uint8Array([0x53, 0x53, 0x4d, 0x01]); // "SSM" v1
const enc = new TextEncoder();

/** An entry's file name: the SHA-256 of its hop identity. */
export async function entryName(identity: string): Promise<string> {
  return sha256HexSync(identity); // synchronous in Bun (Bun.CryptoHasher): no WebCrypto round trip
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

/** From this many entries on, expiryReader decrypts with node:crypto. */
const MANY_ENTRIES = 48;

export interface ExpiryReader {
  /** the expiry of the identity's entry, undefined on any kind of miss (as readEntry); synchronous when
   *  the index vouches for the entry (or there is none), a promise when the entry must be decrypted */
  expiryOf(identity: string): Date | undefined | Promise<Date | undefined>;
  /** appends the index lines of the entries that had to be decrypted (store/expiry-index.ts) */
  done(): void;
}

/**
 * The expiry of many entries at once (`sesame list` over hundreds of sessions): the cache folder is listed
 * once, and an entry that the expiry index vouches for (store/expiry-index.ts: same inode, size, mtime and
 * cache key as when it was written) costs one lstat; any other is read and decrypted as before, and its line
 * added to the index by done(). Decryption is synchronous node:crypto from 48 sessions on (each WebCrypto
 * call is a round trip to a worker thread), loaded only when an entry needs it.
 */
export async function expiryReader(loc: CacheLocation, count: number): Promise<ExpiryReader> {
  const raw = await readCacheKey(loc.stateDir);
  if (!raw) return { expiryOf: () => undefined, done: () => {} };
  const fs = await import("node:fs");
  const idx = await import("./expiry-index.ts");
  const key = idx.keyId(raw);
  let files: Set<string>;
  try {
    files = new Set(fs.readdirSync(loc.cacheDir, { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name));
  } catch {
    files = new Set(); // no folder yet: nothing in it
  }
  let index = new Map<string, import("./expiry-index.ts").IndexRecord>();
  if (files.has(idx.INDEX_FILE)) {
    try {
      index = idx.parseIndex(fs.readFileSync(`${loc.cacheDir}/${idx.INDEX_FILE}`, "utf8"));
    } catch { /* unreadable: every entry is read */ }
  }
  const repairs: import("./expiry-index.ts").IndexRecord[] = [];
  let decipher: typeof import("node:crypto").createDecipheriv | undefined;
  let aes: CryptoKey | undefined;
  const decrypt = async (identity: string, blob: Uint8Array<ArrayBuffer>): Promise<Credentials | undefined> => {
    if (count < MANY_ENTRIES) return decodeWithKey((aes ??= await aesKey(raw)), identity, blob);
    decipher ??= (process.getBuiltinModule("node:crypto") as typeof import("node:crypto")).createDecipheriv;
    return decodeSync(decipher, raw, identity, blob);
  };
  /** The entry read and decrypted as readEntry would; its index line queued when it is valid. */
  const readAndRepair = async (name: string, identity: string, path: string): Promise<Date | undefined> => {
    let blob: Uint8Array<ArrayBuffer>;
    let st: import("node:fs").Stats;
    try {
      // one descriptor for the stat and the bytes: a file replaced meanwhile (by rename) cannot mix them;
      // O_NONBLOCK: a FIFO put there since the folder was listed must not block the listing
      const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      try {
        st = fs.fstatSync(fd);
        if (!st.isFile()) return undefined;
        blob = new Uint8Array(st.size);
        let off = 0;
        for (let n; off < blob.length && (n = fs.readSync(fd, blob, off, blob.length - off, off)) > 0;) off += n;
        if (off !== blob.length) return undefined;
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return undefined; // removed meanwhile, or unreadable: a miss
    }
    const exp = (await decrypt(identity, blob))?.expiration;
    if (exp) repairs.push({ name, key, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, expires: exp.getTime() });
    return exp;
  };
  return {
    expiryOf(identity) {
      const name = sha256HexSync(identity);
      const file = `${name}.cred`;
      if (!files.has(file)) return undefined;
      const path = `${loc.cacheDir}/${file}`;
      const rec = index.get(name);
      if (rec) {
        try {
          const st = fs.lstatSync(path);
          if (st.isFile() && idx.vouches(rec, key, st)) return new Date(rec.expires);
        } catch {
          return undefined; // removed meanwhile
        }
      }
      return readAndRepair(name, identity, path);
    },
    done() {
      if (repairs.length) idx.appendRecords(fs, loc.cacheDir, repairs);
    },
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

/** decodeWithKey through node:crypto's synchronous decipher: same format and checks. */
function decodeSync(createDecipheriv: typeof import("node:crypto").createDecipheriv, raw: Uint8Array, identity: string, blob: Uint8Array): Credentials | undefined {
  if (blob.length < MAGIC.length + 12 + 16 || !MAGIC.every((b, i) => blob[i] === b)) return undefined;
  try {
    const d = createDecipheriv("aes-256-gcm", raw, blob.subarray(4, 16));
    d.setAAD(enc.encode(identity));
    d.setAuthTag(blob.subarray(blob.length - 16));
    const head = d.update(blob.subarray(16, blob.length - 16));
    const tail = d.final();
    const plain = new Uint8Array(head.length + tail.length);
    plain.set(head, 0);
    plain.set(tail, head.length);
    return credentialsFrom(plain);
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
  const name = await entryName(identity);
  const path = join(loc.cacheDir, name + ".cred");
  try {
    const key = await ensureCacheKey(loc.stateDir);
    const blob = await encodeEntry(key, identity, c);
    let st;
    try {
      st = writeFileAtomic(path, blob);
    } catch (e) {
      // A directory (or other non-file) squatting on the name: clear it once, then try again.
      const { lstatSync, rmSync } = await import("node:fs");
      if (!lstatSync(path, { throwIfNoEntry: false })?.isFile()) rmSync(path, { recursive: true, force: true });
      else throw e;
      st = writeFileAtomic(path, blob);
    }
    // the line `list` reads instead of decrypting this entry (store/expiry-index.ts)
    const idx = await import("./expiry-index.ts");
    idx.appendRecords(await import("node:fs"), loc.cacheDir, [{ name, key: idx.keyId(key), ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, expires: c.expiration.getTime() }]);
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
  try { unlinkSync(join(loc.cacheDir, (await import("./expiry-index.ts")).INDEX_FILE)); } catch { /* none */ }
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
