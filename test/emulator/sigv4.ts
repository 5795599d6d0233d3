// SigV4 verification for signed calls (aws-wire.md §8). We never compute HMACs by hand: the request is rebuilt
// with exactly the headers the client listed in SignedHeaders and re-signed with @smithy/signature-v4 using the
// client's own X-Amz-Date and credential scope, then the two signatures are compared in constant time.
import { createHash, timingSafeEqual } from "node:crypto";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import type { HttpRequest } from "@smithy/types";
import { type AwsError, errors } from "./errors.ts";
import type { Caller, EmulatorState } from "./state.ts";

/** A request as received, in the shape the verifier needs. */
export interface SignedRequest {
  method: string;
  /** Path as sent on the wire (still percent-encoded), without the query string. */
  path: string;
  /** Raw query string without the leading "?" ("" when absent). */
  query: string;
  /** Lower-case header names; a repeated header's values joined with "," as SigV4 canonicalises them. */
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface AuthorizationHeader {
  accessKeyId: string;
  /** yyyymmdd from the credential scope. */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
/** AWS refuses a signature whose X-Amz-Date is more than 15 minutes from its own clock. */
export const MAX_CLOCK_SKEW_SECONDS = 15 * 60;

export function parseAuthorization(value: string): AuthorizationHeader | AwsError {
  const space = value.indexOf(" ");
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM) return errors.incompleteSignature(`Unsupported AWS 'algorithm': '${algorithm}'`);
  const fields = new Map<string, string>();
  for (const part of value.slice(space + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ["Credential", "SignedHeaders", "Signature"].filter((k) => !fields.get(k));
  if (missing.length > 0) {
    const why = missing.map((k) => `Authorization header requires '${k}' parameter.`).join(" ");
    return errors.incompleteSignature(`${why} Authorization=${value}`);
  }
  const scope = fields.get("Credential")!.split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request" || scope.some((s) => s === "")) {
    return errors.incompleteSignature(
      `Credential should be scoped to a valid region, service and terminator 'aws4_request'. Credential=${fields.get("Credential")}`,
    );
  }
  const [accessKeyId, date, region, service] = scope as [string, string, string, string, string];
  return {
    accessKeyId,
    date,
    region,
    service,
    signedHeaders: fields.get("SignedHeaders")!.split(";").map((h) => h.toLowerCase()),
    signature: fields.get("Signature")!,
  };
}

function isAuthorization(v: AuthorizationHeader | AwsError): v is AuthorizationHeader {
  return "signedHeaders" in v;
}

/** "20150830T123600Z" → Date, or undefined when malformed. */
export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Raw query string → the decoded multi-map the signer canonicalises (it re-encodes with RFC 3986 rules). */
function parseQuery(raw: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const pair of raw.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? "" : decode(pair.slice(eq + 1));
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/**
 * Recomputes the signature the client should have produced with `secretAccessKey`.
 * Returns undefined when a header named in SignedHeaders is absent (nothing to recompute against).
 */
export async function expectedSignature(
  req: SignedRequest,
  auth: AuthorizationHeader,
  secretAccessKey: string,
  rules: PathRules = {},
): Promise<string | undefined> {
  const amzDate = parseAmzDate(req.headers["x-amz-date"] ?? "");
  if (!amzDate) return undefined;
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) return undefined;
    headers[name] = value;
  }
  // applyChecksum:false stops the signer from adding an x-amz-content-sha256 the client never signed, and no
  // sessionToken is passed so it cannot add x-amz-security-token either: the signed set stays the client's.
  const signer = new SignatureV4({
    service: auth.service,
    region: auth.region,
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
    sha256: Sha256,
    applyChecksum: false,
    ...(rules.awsPaths ? { uriEscapePath: auth.service !== "s3" } : {}),
  });
  const request: HttpRequest = {
    method: req.method,
    protocol: "https:",
    hostname: headers.host ?? "",
    path: !rules.awsPaths ? decode(req.path) : auth.service === "s3" ? s3KeyPath(req.path) : req.path,
    query: parseQuery(req.query),
    headers,
    body: req.body,
  };
  const signed = await signer.sign(request, {
    signingDate: amzDate,
    signingRegion: auth.region,
    signingService: auth.service,
    signableHeaders: new Set(auth.signedHeaders),
  });
  const authorization = signed.headers.authorization ?? "";
  const recomputed = parseAuthorization(authorization);
  if (!isAuthorization(recomputed)) return undefined;
  // The signer may drop or add a header (e.g. it always regenerates x-amz-date and drops `date`); then the
  // canonical request is not the client's and the signatures cannot be compared.
  if (recomputed.signedHeaders.join(";") !== [...auth.signedHeaders].sort().join(";")) return undefined;
  return recomputed.signature;
}

function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Signature check alone: no clock, service or credential lookup. Used by the known-answer tests. */
export async function verifySignature(req: SignedRequest, secretAccessKey: string): Promise<boolean> {
  const auth = parseAuthorization(req.headers.authorization ?? "");
  if (!isAuthorization(auth)) return false;
  const expected = await expectedSignature(req, auth, secretAccessKey);
  return expected !== undefined && sameSignature(expected, auth.signature);
}

/** S3's canonical URI: each segment of the path as sent, decoded and encoded once (RFC 3986), not normalised. */
export function s3KeyPath(path: string): string {
  return path
    .split("/")
    .map((seg) => encodeURIComponent(decode(seg)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");
}

/**
 * How a service builds the canonical URI and payload hash. Default (STS, the known-answer tests): the decoded
 * path encoded once. `awsPaths`: as AWS does for REST services, the path as sent encoded once more, except S3
 * which signs each segment decoded and encoded once (s3KeyPath). `unsignedPayload`: x-amz-content-sha256: UNSIGNED-PAYLOAD is accepted (S3).
 */
export interface PathRules {
  awsPaths?: boolean;
  unsignedPayload?: boolean;
}

export type AuthResult =
  | { ok: true; caller: Caller }
  | { ok: false; error: AwsError; /** the key id the request claimed, for the call log */ accessKeyId?: string };

/**
 * Full check of a signed call as AWS performs it: header syntax, scope, credential lookup, session token,
 * expiry, clock skew, then the signature itself.
 */
export async function authenticate(
  req: SignedRequest,
  state: EmulatorState,
  expectedService: string,
  rules: PathRules = {},
): Promise<AuthResult> {
  const header = req.headers.authorization;
  if (header === undefined) return { ok: false, error: errors.missingAuthenticationToken() };
  const auth = parseAuthorization(header);
  if (!isAuthorization(auth)) return { ok: false, error: auth };
  const fail = (error: AwsError): AuthResult => ({ ok: false, error, accessKeyId: auth.accessKeyId });

  if (auth.service !== expectedService) {
    return fail(errors.signatureDoesNotMatch(`Credential should be scoped to correct service: '${expectedService}'. `));
  }
  const amzDateText = req.headers["x-amz-date"];
  const amzDate = amzDateText === undefined ? undefined : parseAmzDate(amzDateText);
  if (amzDateText === undefined || !amzDate) {
    return fail(
      errors.incompleteSignature(
        `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${header}`,
      ),
    );
  }
  if (auth.date !== amzDateText.slice(0, 8)) {
    return fail(
      errors.signatureDoesNotMatch(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDateText.slice(0, 8)}', from '${amzDateText}'.`,
      ),
    );
  }

  const token = req.headers["x-amz-security-token"];
  let caller: Caller;
  let secret: string;
  const key = state.accessKeys.get(auth.accessKeyId);
  const temp = state.temporaryCredentials.get(auth.accessKeyId);
  if (key) {
    // A session token sent with a long-term key does not belong to it.
    if (token !== undefined) return fail(errors.invalidClientTokenId());
    caller = { kind: "long-term", accessKeyId: key.accessKeyId, key, identity: state.userIdentity(key.user) };
    secret = key.secretAccessKey;
  } else if (temp) {
    if (token === undefined || token !== temp.sessionToken) return fail(errors.invalidClientTokenId());
    if (state.now().getTime() >= temp.expiration.getTime()) return fail(errors.expiredToken());
    caller = { kind: "temporary", accessKeyId: temp.accessKeyId, credential: temp, identity: temp.identity };
    secret = temp.secretAccessKey;
  } else {
    return fail(errors.invalidClientTokenId());
  }

  const skew = skewError(amzDate, state.now());
  if (skew) return fail(skew);

  // If the client signed x-amz-content-sha256 the signer trusts it as the payload hash; make sure it is the body's.
  const declared = req.headers["x-amz-content-sha256"];
  const unsigned = rules.unsignedPayload && declared === "UNSIGNED-PAYLOAD";
  if (declared !== undefined && !unsigned && declared !== createHash("sha256").update(req.body).digest("hex")) {
    return fail(errors.signatureDoesNotMatch());
  }
  const expected = await expectedSignature(req, auth, secret, rules);
  if (expected === undefined || !sameSignature(expected, auth.signature)) return fail(errors.signatureDoesNotMatch());
  return { ok: true, caller };
}

/** The wording AWS uses for a request timestamp outside the ±15 minute window. */
function skewError(signedAt: Date, now: Date): AwsError | undefined {
  const windowMs = MAX_CLOCK_SKEW_SECONDS * 1000;
  const signed = formatAmzDate(signedAt);
  const current = formatAmzDate(now);
  if (signedAt.getTime() < now.getTime() - windowMs) {
    const earliest = formatAmzDate(new Date(now.getTime() - windowMs));
    return errors.signatureDoesNotMatch(
      `Signature expired: ${signed} is now earlier than ${earliest} (${current} - 15 min.)`,
    );
  }
  if (signedAt.getTime() > now.getTime() + windowMs) {
    const latest = formatAmzDate(new Date(now.getTime() + windowMs));
    return errors.signatureDoesNotMatch(
      `Signature not yet current: ${signed} is still later than ${latest} (${current} + 15 min.)`,
    );
  }
  return undefined;
}
