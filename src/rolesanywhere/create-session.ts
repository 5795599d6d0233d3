// IAM Roles Anywhere CreateSession: POST /sessions on rolesanywhere.<region>.amazonaws.com, signed with the
// certificate's private key (AWS4-X509-RSA-SHA256 / AWS4-X509-ECDSA-SHA256). The SDK's signer only does
// HMAC SigV4, so the X.509 variant is assembled here, after AWS's rolesanywhere-credential-helper:
//   canonical request  POST \n /sessions \n <sorted, RFC 3986 query> \n <headers> \n\n <signed names> \n sha256(body)
//   string to sign     <algorithm> \n <X-Amz-Date> \n <date>/<region>/rolesanywhere/aws4_request \n sha256(canonical request)
//   Authorization      <algorithm> Credential=<serial, decimal>/<scope>, SignedHeaders=…, Signature=<hex>
// with X-Amz-X509 (the leaf, base64 DER) and X-Amz-X509-Chain (intermediates, comma-separated) signed.
import { createHash, sign } from "node:crypto";
import { AwsRefused, SesameError } from "../errors.ts";
import type { Credentials } from "../types.ts";
import type { Material } from "./material.ts";

export interface CreateSessionInput {
  endpoint: string;
  region: string;
  trustAnchorArn: string;
  profileArn: string;
  roleArn: string;
  durationSeconds: number;
  roleSessionName?: string;
  now: Date;
}

const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/** 20260101T120000Z */
export function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

export interface SignedCall {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export function signCreateSession(m: Material, i: CreateSessionInput): SignedCall {
  const base = new URL(i.endpoint);
  const query = [["profileArn", i.profileArn], ["roleArn", i.roleArn], ["trustAnchorArn", i.trustAnchorArn]]
    .map(([k, v]) => `${rfc3986(k!)}=${rfc3986(v!)}`)
    .sort()
    .join("&");
  const body = JSON.stringify({ durationSeconds: i.durationSeconds, ...(i.roleSessionName ? { roleSessionName: i.roleSessionName } : {}) });
  const date = amzDate(i.now);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    host: base.host,
    "x-amz-date": date,
    "x-amz-x509": m.leaf.raw.toString("base64"),
  };
  if (m.chain.length) headers["x-amz-x509-chain"] = m.chain.map((c) => c.raw.toString("base64")).join(",");
  const names = Object.keys(headers).sort();
  const canonical = ["POST", "/sessions", query, names.map((n) => `${n}:${headers[n]!.trim()}`).join("\n"), "", names.join(";"), sha256(body)].join("\n");
  const scope = `${date.slice(0, 8)}/${i.region}/rolesanywhere/aws4_request`;
  const toSign = [m.algorithm, date, scope, sha256(canonical)].join("\n");
  // RSA: PKCS#1 v1.5 over SHA-256; EC: ECDSA over SHA-256, DER-encoded — node's defaults for these key types.
  const signature = sign("sha256", Buffer.from(toSign, "utf8"), m.key).toString("hex");
  headers.authorization = `${m.algorithm} Credential=${m.serial}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  const path = base.pathname.replace(/\/$/, "");
  return { url: `${base.protocol}//${base.host}${path}/sessions?${query}`, headers, body };
}

const FIXES: Record<string, string> = {
  AccessDeniedException: "check that the trust anchor holds the CA that issued the certificate, and that the profile and the role's trust policy allow it",
  ValidationException: "check trust_anchor_arn, profile_arn, role_arn and duration_seconds (the profile's limit applies)",
  ResourceNotFoundException: "check trust_anchor_arn and profile_arn (and that both are enabled, in the same region)",
};

/** One CreateSession call with a deadline; throttling, 5xx and network failures are retried briefly. */
export async function createSession(m: Material, i: Omit<CreateSessionInput, "now">, now: () => Date): Promise<Credentials> {
  const deadline = Date.now() + 8000;
  let last: unknown;
  for (let attempt = 0; attempt < 4 && Date.now() < deadline; attempt++) {
    if (attempt) await new Promise((r) => setTimeout(r, Math.min(1000, 100 * 2 ** attempt * (0.5 + Math.random()))));
    const call = signCreateSession(m, { ...i, now: now() });
    let res: Response;
    try {
      res = await fetch(call.url, { method: "POST", headers: call.headers, body: call.body, signal: AbortSignal.timeout(Math.max(1, Math.min(2500, deadline - Date.now()))) });
    } catch (e) {
      last = new SesameError("network", `cannot reach IAM Roles Anywhere at ${new URL(i.endpoint).host} (${(e as Error).name === "TimeoutError" ? "no answer in time" : ((e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message)})`, 5, "check the network connection and any AWS_ENDPOINT_URL_ROLESANYWHERE setting");
      continue;
    }
    const text = await res.text();
    if (res.ok) return parseCredentials(text);
    const { code, message } = errorOf(res, text);
    last = new AwsRefused("rolesanywhere", "CreateSession", code, message, FIXES[code]);
    if (res.status !== 429 && res.status < 500 && code !== "ThrottlingException") break;
  }
  throw last;
}

function clean(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ").replace(/\s+/g, " ").trim().slice(0, 300);
}

function errorOf(res: Response, text: string): { code: string; message: string } {
  let code = res.headers.get("x-amzn-errortype")?.split(":")[0] ?? "";
  let message = "";
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const pick = (...ks: string[]) => ks.map((k) => j[k]).find((v): v is string => typeof v === "string");
    code ||= (pick("__type", "code", "Code") ?? "").split("#").pop()!;
    message = pick("message", "Message") ?? "";
  } catch {}
  return { code: clean(code) || `HTTP${res.status}`, message: clean(message) };
}

function parseCredentials(text: string): Credentials {
  let c: Record<string, unknown> | undefined;
  try {
    const j = JSON.parse(text) as { credentialSet?: Array<{ credentials?: Record<string, unknown> }> };
    c = j.credentialSet?.[0]?.credentials;
  } catch {}
  const s = (k: string) => (typeof c?.[k] === "string" ? (c[k] as string) : undefined);
  const expiration = new Date(s("expiration") ?? "");
  if (!s("accessKeyId") || !s("secretAccessKey") || !s("sessionToken") || Number.isNaN(expiration.getTime())) {
    throw new SesameError("rolesanywhere.answer", "IAM Roles Anywhere CreateSession answered without credentials", 5, "check AWS_ENDPOINT_URL_ROLESANYWHERE points at IAM Roles Anywhere");
  }
  return { accessKeyId: s("accessKeyId")!, secretAccessKey: s("secretAccessKey")!, sessionToken: s("sessionToken")!, expiration };
}
