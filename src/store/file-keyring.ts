// An encrypted file keyring for hosts without a keyring service (SESAME_KEYRING=file).
//
// One JSON file: {"v":1,"kdf":"scrypt","N":32768,"r":8,"p":1,"salt":B64,"iv":B64,"ct":B64}
// ct is AES-256-GCM of the JSON map account -> value followed by the 16-byte tag; the key comes
// from scrypt(passphrase, salt). A fresh IV is drawn on every write; the header is authenticated
// as additional data. Writes go through writeFileAtomic (0600 file in a 0700 folder) under a
// lock file PATH.lock (store/lock.ts), so concurrent sesame processes do not lose each other's
// entries.
import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from "node:crypto";
import { readFileSync } from "node:fs";
import { KeyringError } from "../errors.ts";
import { writeFileAtomic } from "../runtime/files.ts";
import { withLock } from "./lock.ts";
import type { SecretStore } from "./secret-store.ts";

const VERSION = 1;
const KDF = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT_BYTES = 16;

/** Read-modify-write runs under PATH.lock: wait up to ~10 s, take over a lock older than a minute. */
const LOCK = { timeoutMs: 10_000, staleMs: 60_000, what: "writing the file keyring" } as const;

interface Header {
  v: number;
  kdf: "scrypt";
  N: number;
  r: number;
  p: number;
  salt: string;
}

interface Envelope extends Header {
  iv: string;
  ct: string;
}

type Secrets = Map<string, string>;

interface Loaded {
  secrets: Secrets;
  key: Buffer;
  header: Header;
}

function damaged(path: string): KeyringError {
  return new KeyringError(
    `cannot decrypt the file keyring ${path}: wrong passphrase or damaged file`,
    "check SESAME_FILE_PASSPHRASE (or the passphrase you typed), or move the file away to start a new keyring",
  );
}

/** Strict base64: Buffer.from silently skips bad characters, a changed byte must not go unnoticed. */
function b64(text: unknown, path: string): Buffer {
  if (typeof text !== "string") throw damaged(path);
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64") !== text) throw damaged(path);
  return bytes;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;
}

function scryptMaxmem(N: number, r: number, p: number): number {
  // scrypt needs 128*N*r*p bytes (plus a little); leave room so Node does not refuse the call.
  return 128 * N * r * p * 2 + 1024 * 1024;
}

function deriveKey(passphrase: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase, salt, KEY_BYTES, { N, r, p, maxmem: scryptMaxmem(N, r, p) }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

function additionalData(h: Header): Buffer {
  return Buffer.from(JSON.stringify([h.v, h.kdf, h.N, h.r, h.p, h.salt]), "utf8");
}

function parseEnvelope(text: string, path: string): Envelope {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw damaged(path);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw damaged(path);
  const o = raw as Record<string, unknown>;
  if (typeof o.v === "number" && o.v !== VERSION) {
    throw new KeyringError(
      `the file keyring ${path} has format version ${o.v}; this sesame reads version ${VERSION}`,
      "use the sesame version that wrote it",
    );
  }
  const { N, r, p } = o;
  if (
    o.v !== VERSION ||
    o.kdf !== "scrypt" ||
    typeof N !== "number" || !isPowerOfTwo(N) || N > 2 ** 20 ||
    typeof r !== "number" || !Number.isInteger(r) || r < 1 || r > 32 ||
    typeof p !== "number" || !Number.isInteger(p) || p < 1 || p > 16 ||
    typeof o.salt !== "string" || typeof o.iv !== "string" || typeof o.ct !== "string"
  ) {
    throw damaged(path);
  }
  return { v: VERSION, kdf: "scrypt", N, r, p, salt: o.salt, iv: o.iv, ct: o.ct };
}

function decrypt(env: Envelope, key: Buffer, path: string): Secrets {
  const iv = b64(env.iv, path);
  const sealed = b64(env.ct, path);
  if (iv.length !== IV_BYTES || sealed.length < TAG_BYTES) throw damaged(path);
  let plain: Buffer;
  try {
    const d = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    d.setAAD(additionalData(env));
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    plain = Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG_BYTES)), d.final()]);
  } catch {
    throw damaged(path);
  }
  let map: unknown;
  try {
    map = JSON.parse(plain.toString("utf8"));
  } catch {
    throw damaged(path);
  } finally {
    plain.fill(0);
  }
  if (typeof map !== "object" || map === null || Array.isArray(map)) throw damaged(path);
  const secrets: Secrets = new Map();
  for (const [account, value] of Object.entries(map)) {
    if (typeof value !== "string") throw damaged(path);
    secrets.set(account, value);
  }
  return secrets;
}

function encrypt(secrets: Secrets, key: Buffer, header: Header): string {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  c.setAAD(additionalData(header));
  const plain = Buffer.from(JSON.stringify(Object.fromEntries(secrets)), "utf8");
  const ct = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  plain.fill(0);
  const env: Envelope = { ...header, iv: iv.toString("base64"), ct: ct.toString("base64") };
  return `${JSON.stringify(env)}\n`;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new KeyringError(`cannot read the file keyring ${path}: ${(e as Error).message}`);
  }
}

// Writers in this process queue here first, so they do not compete for the lock file.
const queues = new Map<string, Promise<unknown>>();

function serialize<T>(path: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.catch(() => undefined);
  queues.set(path, tail);
  void tail.then(() => {
    if (queues.get(path) === tail) queues.delete(path);
  });
  return run;
}

export function fileKeyring(path: string, passphrase: () => Promise<string>): SecretStore {
  let secret: Promise<string> | undefined;
  // The pending derivation, not just its result: parallel readers share one scrypt run.
  let cachedKey: { salt: string; N: number; r: number; p: number; key: Promise<Buffer> } | undefined;

  async function getPassphrase(): Promise<string> {
    secret ??= passphrase().then((value) => {
      if (value === "") throw new KeyringError(`the passphrase for the file keyring ${path} is empty`);
      return value;
    });
    try {
      return await secret;
    } catch (e) {
      secret = undefined; // let a later call ask again
      throw e;
    }
  }

  async function keyFor(h: Header): Promise<Buffer> {
    const c = cachedKey;
    if (c && c.salt === h.salt && c.N === h.N && c.r === h.r && c.p === h.p) return c.key;
    const key = getPassphrase().then((pass) => deriveKey(pass, b64(h.salt, path), h.N, h.r, h.p));
    cachedKey = { salt: h.salt, N: h.N, r: h.r, p: h.p, key };
    try {
      return await key;
    } catch (e) {
      cachedKey = undefined;
      throw e;
    }
  }

  /** undefined when the file does not exist. */
  async function load(): Promise<Loaded | undefined> {
    const text = readIfExists(path);
    if (text === undefined) return undefined;
    const env = parseEnvelope(text, path);
    const key = await keyFor(env);
    let secrets: Secrets;
    try {
      secrets = decrypt(env, key, path);
    } catch (e) {
      // Forget the passphrase and key that did not work, so another attempt can ask again.
      secret = undefined;
      cachedKey = undefined;
      throw e;
    }
    const { v, kdf, N, r, p, salt } = env;
    return { secrets, key, header: { v, kdf, N, r, p, salt } };
  }

  async function fresh(): Promise<Loaded> {
    const salt = randomBytes(SALT_BYTES).toString("base64");
    const header: Header = { v: VERSION, kdf: "scrypt", ...KDF, salt };
    return { secrets: new Map(), key: await keyFor(header), header };
  }

  function save(l: Loaded): void {
    writeFileAtomic(path, encrypt(l.secrets, l.key, l.header));
  }

  async function update<T>(change: (l: Loaded) => { write: boolean; result: T }, ifMissing?: T): Promise<T> {
    return serialize(path, async () => {
      // Ask for the passphrase before taking the lock: nobody waits on a person typing.
      await getPassphrase();
      return withLock(`${path}.lock`, LOCK, async () => {
        const current = await load();
        if (current === undefined && ifMissing !== undefined) return ifMissing;
        const l = current ?? (await fresh());
        const { write, result } = change(l);
        if (write) save(l);
        return result;
      });
    });
  }

  return {
    kind: "file",

    async get(account) {
      const l = await load();
      return l?.secrets.get(account);
    },

    async set(account, value) {
      await update((l) => {
        l.secrets.set(account, value);
        return { write: true, result: undefined };
      });
    },

    async delete(account) {
      // Nothing to delete without a file: do not ask for a passphrase or create one.
      if (readIfExists(path) === undefined) return false;
      return update((l) => {
        const deleted = l.secrets.delete(account);
        return { write: deleted, result: deleted };
      }, false);
    },
  };
}
