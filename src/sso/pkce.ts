// PKCE (RFC 7636) as the AWS CLI does it: a 64-character verifier from the unreserved set, and the
// base64url SHA-256 challenge without padding.
import { createHash, randomBytes, randomUUID } from "node:crypto";

const UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

export function codeVerifier(): string {
  const bytes = randomBytes(64);
  let out = "";
  for (const b of bytes) out += UNRESERVED[b % UNRESERVED.length]; // 256 % 66 bias is irrelevant for 64 chars of entropy
  return out;
}

export function codeChallenge(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

export function newState(): string {
  return randomUUID();
}
