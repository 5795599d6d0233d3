// SHA-256 of a string as lowercase hex, synchronously through node:crypto: for names computed where an
// await does not fit (lock paths) or thousands of times in a row (entryReader). Not for the warm path,
// which uses runtime/sha256.ts (WebCrypto: no node:crypto import).
import { createHash } from "node:crypto";

export function sha256HexSync(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
