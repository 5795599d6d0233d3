// SigV4 for `sesame curl`: the SDK's own signer (@smithy/signature-v4), never hand-made HMACs. This module
// only decides what goes in: lower-case header names (a repeated name signed as its values joined with ","
// as SigV4 canonicalises them), the Host header, the path rules (S3 signs the wire path, every other
// service encodes it once more), and the payload hash of a streamed body.
import { SignatureV4 } from "@smithy/signature-v4";
import type { HttpRequest, QueryParameterBag } from "@smithy/types";
import type { Credentials } from "../types.ts";
import { NodeSha256 } from "./sha256.ts";

export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

export interface ToSign {
  method: string;
  url: URL;
  /** lower-case names; repeated names allowed */
  headers: Array<[string, string]>;
  /** an in-memory body, hashed by the signer */
  body?: Uint8Array;
  /** a streamed body's SHA-256 (hex) or UNSIGNED-PAYLOAD; sent as x-amz-content-sha256 */
  payloadHash?: string;
  service: string;
  region: string;
  credentials: Credentials;
  signingDate?: Date;
}

function signer(t: ToSign): SignatureV4 {
  const { accessKeyId, secretAccessKey, sessionToken } = t.credentials;
  return new SignatureV4({
    service: t.service,
    region: t.region,
    credentials: sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey },
    sha256: NodeSha256,
    // S3 wants x-amz-content-sha256 on every request and signs the path exactly as sent.
    applyChecksum: t.service === "s3",
    uriEscapePath: t.service !== "s3",
  });
}

/** The URL's query as the decoded multi-map the signer canonicalises (it re-encodes with RFC 3986 rules). */
export function queryBag(url: URL): QueryParameterBag {
  const out: Record<string, string | string[]> = {};
  const raw = url.search.slice(1);
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

/** Percent-decoding only: in a URL's query "+" is a literal plus for AWS, not a space. */
function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * S3 signs the object key encoded once, segment by segment, without path normalisation: a key typed as
 * /test$file.text (or /test%24file.text) is signed as /test%24file.text, as S3 recomputes it.
 */
export function s3CanonicalPath(pathname: string): string {
  return pathname.split("/").map((seg) => rfc3986(decode(seg))).join("/");
}

function request(t: ToSign): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of t.headers) headers[k] = k in headers ? `${headers[k]},${v}` : v;
  headers.host ??= t.url.host;
  if (t.payloadHash !== undefined) headers["x-amz-content-sha256"] = t.payloadHash;
  return {
    method: t.method,
    protocol: t.url.protocol,
    hostname: t.url.hostname,
    ...(t.url.port ? { port: Number(t.url.port) } : {}),
    path: t.service === "s3" ? s3CanonicalPath(t.url.pathname) : t.url.pathname,
    query: queryBag(t.url),
    headers,
    ...(t.body !== undefined ? { body: t.body } : {}),
  };
}

/** The headers to send: the caller's plus host, x-amz-date, x-amz-security-token, authorization (…). */
export async function signHeaders(t: ToSign): Promise<Record<string, string>> {
  const signed = await signer(t).sign(request(t), { ...(t.signingDate ? { signingDate: t.signingDate } : {}) });
  return signed.headers;
}

/** A presigned URL valid `expiresIn` seconds: every header is signed as query parameters except host. */
export async function presignUrl(t: ToSign, expiresIn: number): Promise<string> {
  const req = request(t);
  // S3 presigned URLs carry no payload hash (the body is not known yet): UNSIGNED-PAYLOAD, kept out of the query.
  if (t.service === "s3") req.headers["x-amz-content-sha256"] = UNSIGNED_PAYLOAD;
  const out = await signer(t).presign(req, {
    expiresIn,
    ...(t.signingDate ? { signingDate: t.signingDate } : {}),
    unhoistableHeaders: new Set(["x-amz-content-sha256"]),
    unsignableHeaders: new Set(["x-amz-content-sha256"]),
  });
  const q = Object.entries(out.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v ?? ""]).map((x) => `${rfc3986(k)}=${rfc3986(x ?? "")}`))
    .join("&");
  return `${t.url.protocol}//${t.url.host}${t.url.pathname}${q ? `?${q}` : ""}`;
}

export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
