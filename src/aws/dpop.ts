// DPoP (RFC 9449) as AWS Sign-In takes it: a P-256 key that the refresh token is bound to, and for every
// token request a fresh ES256-signed proof naming the method and URL, with a unique jti. The key is kept as
// SEC1 PEM, the form the AWS CLI's login cache holds (so the two can share a sign-in).
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign } from "node:crypto";

export function newDpopKey(): string {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return privateKey.export({ type: "sec1", format: "pem" }) as string;
}

const b64url = (b: Uint8Array | string) => Buffer.from(b).toString("base64url");

/** The proof for a POST to `url` (scheme://host[:port]/path, no query). Throws on a key that is not P-256. */
export function dpopProof(keyPem: string, url: string, nowMs: number = Date.now()): string {
  const key = createPrivateKey({ key: keyPem, format: "pem" });
  const jwk = createPublicKey(key).export({ format: "jwk" }) as { kty?: string; crv?: string; x?: string; y?: string };
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || !jwk.x || !jwk.y) throw new Error("the DPoP key is not a P-256 key");
  const header = { typ: "dpop+jwt", alg: "ES256", jwk: { kty: "EC", x: jwk.x, y: jwk.y, crv: "P-256" } };
  const payload = { htm: "POST", htu: url, iat: Math.floor(nowMs / 1000), jti: randomUUID() };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  // ieee-p1363: the raw 64-byte r||s a JWS wants, not DER
  const sig = sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  return `${input}.${b64url(sig)}`;
}

/** The key can sign (a damaged record or cache file is caught before a request is made). */
export function dpopKeyUsable(keyPem: string): boolean {
  try {
    dpopProof(keyPem, "https://check.invalid/");
    return true;
  } catch {
    return false;
  }
}
