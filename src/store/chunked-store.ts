// Values longer than a keyring item can hold, split over several items. Windows Credential Manager keeps
// at most 2,560 bytes (1,280 UTF-16 characters) per credential, and an IAM Identity Center token with its
// refresh token is longer than that (the trouble aws-sso-cli#308 describes). A value that fits is stored
// as it is, exactly as before. A longer one is stored as parts under "ACCOUNT#p.GEN.I" and the item
// ACCOUNT holds only a header naming them and a hash of the whole:
//
//   sesame-parts/1 GEN N SHA256
//
// Each write uses a new random GEN, writes its parts first and the header last, then removes the parts
// of the value it replaced: a reader that follows a header always finds a complete set (or, if a later
// write removed it meanwhile, reads the new header again), and the hash proves the parts belong together.
import type { SecretStore } from "./secret-store.ts";
import { sha256Hex as sha256 } from "../runtime/sha256.ts";
import { randomHex } from "../runtime/random-hex.ts";

const HEADER = "sesame-parts/1";
const READ_ATTEMPTS = 4;

interface Header {
  gen: string;
  n: number;
  hash: string;
}

/** `exclusive` runs a whole set or delete of one account alone among this store's writers (the OS keyring
 *  passes a lock file), so two writers never interleave their parts. */
export function chunkedStore(inner: SecretStore, maxChars: number, exclusive: <T>(account: string, fn: () => Promise<T>) => Promise<T> = (_a, fn) => fn()): SecretStore {
  // A part must hold at least the header (about 100 characters) to be of any use.
  if (maxChars < MIN_ITEM_CHARS) throw new Error(`chunkedStore: items of ${maxChars} characters are too small`);
  const partAccount = (account: string, gen: string, i: number) => `${account}#p.${gen}.${i}`;

  async function readParts(account: string, h: Header): Promise<string | undefined> {
    const parts = await Promise.all(Array.from({ length: h.n }, (_, i) => inner.get(partAccount(account, h.gen, i))));
    if (parts.some((p) => p === undefined)) return undefined;
    const value = parts.join("");
    return (await sha256(value)) === h.hash ? value : undefined;
  }

  async function removeParts(account: string, h: Header): Promise<void> {
    for (let i = 0; i < h.n; i++) await inner.delete(partAccount(account, h.gen, i));
  }

  return {
    kind: inner.kind,

    async get(account) {
      for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
        const head = await inner.get(account);
        const h = head === undefined ? undefined : parseHeader(head);
        if (!h) return head; // absent, or a value stored whole
        const value = await readParts(account, h);
        if (value !== undefined) return value;
        // replaced while we read: the header now names other parts
      }
      return undefined;
    },

    set: (account, value) => exclusive(account, async () => {
      const before = await inner.get(account);
      const old = before === undefined ? undefined : parseHeader(before);
      if (value.length <= maxChars && !value.startsWith(HEADER)) {
        await inner.set(account, value);
      } else {
        const gen = randomHex(6);
        const parts = split(value, maxChars);
        for (const [i, part] of parts.entries()) await inner.set(partAccount(account, gen, i), part);
        await inner.set(account, `${HEADER} ${gen} ${parts.length} ${await sha256(value)}`);
      }
      if (old) await removeParts(account, old);
    }),

    delete: (account) => exclusive(account, async () => {
      const head = await inner.get(account);
      const h = head === undefined ? undefined : parseHeader(head);
      const deleted = await inner.delete(account);
      if (h) await removeParts(account, h);
      return deleted;
    }),
  };
}

export const MIN_ITEM_CHARS = 128;

/** Pieces of at most max UTF-16 units, never cutting a surrogate pair (a lone half would not survive the
 *  keyring's UTF-8). */
function split(value: string, max: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < value.length; ) {
    let end = Math.min(at + max, value.length);
    const last = value.charCodeAt(end - 1);
    if (end < value.length && last >= 0xd800 && last <= 0xdbff) end--;
    out.push(value.slice(at, end));
    at = end;
  }
  return out;
}

function parseHeader(value: string): Header | undefined {
  if (!value.startsWith(`${HEADER} `)) return undefined;
  const [, gen, n, hash] = value.split(" ");
  const count = Number(n);
  if (!gen || !/^[0-9a-f]+$/.test(gen) || !Number.isInteger(count) || count < 1 || count > 64 || !hash) return undefined;
  return { gen, n: count, hash };
}
