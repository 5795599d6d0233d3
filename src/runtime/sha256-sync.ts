// SHA-256 as lowercase hex, synchronously: for names computed where an await does not fit (lock paths)
// or hundreds of times in a row (`list`). In Bun through Bun.CryptoHasher (native, no import, no worker
// thread); elsewhere (Deno, Node) through node:crypto, loaded only then.
type Hasher = { update(data: string | Uint8Array): Hasher; digest(encoding: "hex"): string };
const BunHasher = (globalThis as { Bun?: { CryptoHasher?: new (algorithm: string) => Hasher } }).Bun?.CryptoHasher;

export function sha256HexSync(data: string | Uint8Array): string {
  if (BunHasher) return new BunHasher("sha256").update(data).digest("hex");
  const { createHash } = process.getBuiltinModule("node:crypto") as typeof import("node:crypto");
  return createHash("sha256").update(data).digest("hex");
}
