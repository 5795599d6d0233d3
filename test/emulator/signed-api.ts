// A SigV4-authorised HTTP API under /signed/… standing in for API Gateway with IAM auth, a Lambda function
// URL, OpenSearch or S3: whatever service and region the caller signed for. It checks the signature with the
// emulator's own verifier (sigv4.ts, AWS's path rules), or a presigned URL's query signature, against the
// credentials STS issued, then echoes what it received as JSON so a test can see every header and the body's
// length and SHA-256. GET /signed/bytes?n=N answers N bytes cycling through 0–255 (binary output tests).
// Refusals look like API Gateway's: 403, x-amzn-ErrorType and {"message": …}.
import { createHash, timingSafeEqual } from "node:crypto";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import type { HttpRequest } from "@smithy/types";
import { type AwsError, awsError, errors } from "./errors.ts";
import * as ids from "./ids.ts";
import type { EmulatorContext, EmulatorRequest, EmulatorResponse, RouteHandler } from "./router.ts";
import { authenticate, parseAmzDate, parseAuthorization, s3KeyPath } from "./sigv4.ts";
import type { Caller, EmulatorState } from "./state.ts";

export const SIGNED_API_PREFIX = "/signed";

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Raw query → [name, value] pairs, percent-decoded ("+" stays a plus, as AWS reads it). */
function queryPairs(raw: string): Array<[string, string]> {
  return raw.split("&").filter((p) => p !== "").map((p) => {
    const eq = p.indexOf("=");
    return [decode(eq < 0 ? p : p.slice(0, eq)), eq < 0 ? "" : decode(p.slice(eq + 1))];
  });
}

function refuse(ctx: EmulatorContext, req: EmulatorRequest, error: AwsError, accessKeyId?: string): EmulatorResponse {
  const requestId = ids.requestId();
  ctx.record({ service: "signed", action: req.method, ...(accessKeyId ? { accessKeyId } : {}), params: {}, status: error.status, errorCode: error.code, requestId });
  return {
    status: error.status,
    headers: { "Content-Type": "application/json", "x-amzn-ErrorType": `${error.code}:http://internal.amazon.com/coral/com.amazon.coral.service/`, "x-amzn-RequestId": requestId },
    body: JSON.stringify({ message: error.message }),
  };
}

/** The secret behind an access key id, as `authenticate` finds it, for a presigned URL. */
function secretFor(state: EmulatorState, accessKeyId: string, token: string | undefined): { caller: Caller; secret: string } | AwsError {
  const key = state.accessKeys.get(accessKeyId);
  if (key) {
    if (token !== undefined) return errors.invalidClientTokenId();
    return { caller: { kind: "long-term", accessKeyId, key, identity: state.userIdentity(key.user) }, secret: key.secretAccessKey };
  }
  const temp = state.temporaryCredentials.get(accessKeyId);
  if (!temp || token !== temp.sessionToken) return errors.invalidClientTokenId();
  if (state.now().getTime() >= temp.expiration.getTime()) return errors.expiredToken();
  return { caller: { kind: "temporary", accessKeyId, credential: temp, identity: temp.identity }, secret: temp.secretAccessKey };
}

const PRESIGN_PARAMS = new Set(["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature"]);

/** Query-string authentication: recomputes X-Amz-Signature with the SDK's presigner from the URL's own fields. */
async function checkPresigned(req: EmulatorRequest, state: EmulatorState): Promise<{ caller: Caller; service: string; region: string } | { error: AwsError; accessKeyId?: string }> {
  const pairs = queryPairs(req.query);
  const get = (k: string) => pairs.find(([n]) => n === k)?.[1];
  if (get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256") return { error: errors.incompleteSignature("X-Amz-Algorithm must be AWS4-HMAC-SHA256") };
  const scope = (get("X-Amz-Credential") ?? "").split("/");
  const date = parseAmzDate(get("X-Amz-Date") ?? "");
  const expires = Number(get("X-Amz-Expires"));
  const signature = get("X-Amz-Signature") ?? "";
  if (scope.length !== 5 || scope[4] !== "aws4_request" || !date || !Number.isInteger(expires) || !signature) {
    return { error: errors.incompleteSignature("the presigned URL is missing X-Amz-Credential, X-Amz-Date, X-Amz-Expires or X-Amz-Signature") };
  }
  const [accessKeyId, , region, service] = scope as [string, string, string, string, string];
  const found = secretFor(state, accessKeyId, get("X-Amz-Security-Token"));
  if ("code" in found) return { error: found, accessKeyId };
  if (state.now().getTime() > date.getTime() + expires * 1000) return { error: awsError("AccessDenied", "Request has expired", 403), accessKeyId };
  if (date.getTime() > state.now().getTime() + 15 * 60 * 1000) return { error: errors.signatureDoesNotMatch("Request is not yet valid"), accessKeyId };
  const signed = (get("X-Amz-SignedHeaders") ?? "").split(";");
  const headers: Record<string, string> = {};
  for (const h of signed) {
    if (req.headers[h] === undefined) return { error: errors.signatureDoesNotMatch(), accessKeyId };
    headers[h] = req.headers[h]!;
  }
  if (service === "s3") headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of pairs) {
    if (PRESIGN_PARAMS.has(k)) continue;
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const token = get("X-Amz-Security-Token");
  const signer = new SignatureV4({
    service, region, sha256: Sha256, uriEscapePath: service !== "s3",
    credentials: { accessKeyId, secretAccessKey: found.secret, ...(token ? { sessionToken: token } : {}) },
  });
  const request: HttpRequest = { method: req.method, protocol: "https:", hostname: headers.host ?? "", path: service === "s3" ? s3KeyPath(req.path) : req.path, query, headers };
  const out = await signer.presign(request, {
    signingDate: date, expiresIn: expires,
    unhoistableHeaders: new Set(["x-amz-content-sha256"]), unsignableHeaders: new Set(["x-amz-content-sha256"]),
  });
  const expected = String(out.query?.["X-Amz-Signature"] ?? "");
  const ok = expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
  if (!ok || out.query?.["X-Amz-SignedHeaders"] !== get("X-Amz-SignedHeaders")) return { error: errors.signatureDoesNotMatch(), accessKeyId };
  return { caller: found.caller, service, region };
}

export function signedApiHandler(): RouteHandler {
  return async (req, ctx) => {
    let caller: Caller;
    let service: string;
    let region: string;
    if (/(?:^|&)X-Amz-Signature=/.test(req.query)) {
      const r = await checkPresigned(req, ctx.state);
      if ("error" in r) return refuse(ctx, req, r.error, r.accessKeyId);
      ({ caller, service, region } = r);
    } else {
      const auth = parseAuthorization(req.headers.authorization ?? "");
      if (!req.headers.authorization) return refuse(ctx, req, errors.missingAuthenticationToken());
      if (!("signedHeaders" in auth)) return refuse(ctx, req, auth);
      const r = await authenticate(req, ctx.state, auth.service, { awsPaths: true, unsignedPayload: auth.service === "s3" });
      if (!r.ok) return refuse(ctx, req, r.error, r.accessKeyId);
      ({ caller } = r);
      ({ service, region } = auth);
    }
    const requestId = ids.requestId();
    ctx.record({ service: "signed", action: req.method, accessKeyId: caller.accessKeyId, params: Object.fromEntries(queryPairs(req.query)), status: 200, requestId });
    const wantBytes = /^\/signed\/bytes\/?$/.test(req.path);
    if (wantBytes) {
      const n = Math.min(Number(new URLSearchParams(req.query).get("n") ?? "256") || 0, 64 << 20);
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = i & 0xff;
      return { status: 200, headers: { "Content-Type": "application/octet-stream", "x-amzn-RequestId": requestId }, body: out };
    }
    const echo = {
      method: req.method,
      path: req.path,
      query: queryPairs(req.query),
      headers: req.headers,
      bodyLength: req.body.byteLength,
      bodySha256: createHash("sha256").update(req.body).digest("hex"),
      body: req.body.byteLength <= 4096 ? Buffer.from(req.body).toString("utf8") : undefined,
      caller: caller.identity.arn,
      service,
      region,
    };
    return { status: 200, headers: { "Content-Type": "application/json", "x-amzn-RequestId": requestId }, body: JSON.stringify(echo) };
  };
}
