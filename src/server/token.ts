// The secrets a credentials endpoint hands out and checks: 256-bit random tokens, compared in constant
// time over equal-length digests so neither the content nor the length of a guess leaks through timing.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** 32 random bytes, base64url: 256 bits, safe in a header, a URL and an environment variable. */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/** A checker for one expected token; the expected digest is computed once. */
export function tokenChecker(expected: string): (given: string | undefined) => boolean {
  const want = digest(expected);
  return (given) => given !== undefined && timingSafeEqual(want, digest(given));
}
