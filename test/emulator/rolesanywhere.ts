// IAM Roles Anywhere CreateSession (POST /sessions), written from AWS's documentation and its
// rolesanywhere-credential-helper, independently of sesame's client: the X.509 signature
// (AWS4-X509-RSA-SHA256 / AWS4-X509-ECDSA-SHA256) is checked with the public key of the certificate in
// X-Amz-X509, the credential must be that certificate's serial number, and the certificate (through
// X-Amz-X509-Chain if given) must be issued by the CA of the trust anchor named in the query, and valid
// at the emulator's clock. Credentials are issued through the emulator's state, so roles can be assumed
// from them. A test registers it: emu.registerRoute("POST", "/sessions", rolesAnywhereHandler(config)).
import { createHash, verify, X509Certificate } from "node:crypto";
import * as ids from "./ids.ts";
import type { EmulatorContext, EmulatorRequest, EmulatorResponse, RouteHandler } from "./router.ts";
import { parseAmzDate } from "./sigv4.ts";

export interface RolesAnywhereConfig {
  /** trust anchor ARN → the PEM of the CA it trusts */
  trustAnchors: Map<string, string>;
  /** profile ARN → the roles it may hand out */
  profiles: Map<string, { roleArns: string[]; acceptRoleSessionName?: boolean; durationSeconds?: number }>;
}

function answer(ctx: EmulatorContext, status: number, code: string | undefined, body: unknown, keyId?: string): EmulatorResponse {
  const requestId = ids.requestId();
  ctx.record({ service: "rolesanywhere", action: "CreateSession", params: {}, status, ...(code ? { errorCode: code } : {}), ...(keyId ? { accessKeyId: keyId } : {}), requestId });
  return { status, headers: { "Content-Type": "application/json", "x-amzn-RequestId": requestId, ...(code ? { "x-amzn-ErrorType": `${code}:` } : {}) }, body: JSON.stringify(body) };
}

const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const dec = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

function canonicalQuery(raw: string): string {
  return raw.split("&").filter(Boolean).map((p) => {
    const i = p.indexOf("=");
    return `${enc(dec(i < 0 ? p : p.slice(0, i)))}=${enc(dec(i < 0 ? "" : p.slice(i + 1)))}`;
  }).sort().join("&");
}

/** Is `leaf` issued, through `chain`, by `ca`? (signatures and issuer names; validity is checked apart) */
function chainsTo(leaf: X509Certificate, chain: X509Certificate[], ca: X509Certificate): boolean {
  let cur = leaf;
  const pool = [...chain];
  for (let depth = 0; depth < 5; depth++) {
    if (cur.checkIssued(ca) && cur.verify(ca.publicKey)) return true;
    const next = pool.findIndex((c) => cur.checkIssued(c) && cur.verify(c.publicKey));
    if (next < 0) return false;
    cur = pool.splice(next, 1)[0]!;
  }
  return false;
}

export function rolesAnywhereHandler(config: RolesAnywhereConfig): RouteHandler {
  return async (req: EmulatorRequest, ctx: EmulatorContext) => {
    const denied = (message: string, keyId?: string) => answer(ctx, 403, "AccessDeniedException", { message }, keyId);
    const invalid = (message: string) => answer(ctx, 400, "ValidationException", { message });
    if (req.path !== "/sessions") return answer(ctx, 404, "ResourceNotFoundException", { message: "no such resource" });
    const auth = /^(AWS4-X509-(?:RSA|ECDSA)-SHA256) Credential=([^,\s]+), ?SignedHeaders=([^,\s]+), ?Signature=([0-9a-f]+)$/.exec(req.headers.authorization ?? "");
    if (!auth) return denied("Missing or malformed X.509 authorization");
    const [, algorithm, credential, signedHeaders, signature] = auth as unknown as [string, string, string, string, string];
    const scope = credential.split("/");
    if (scope.length !== 5 || scope[3] !== "rolesanywhere" || scope[4] !== "aws4_request") return denied("Credential should be scoped to rolesanywhere/aws4_request");
    const [serial, day, region] = scope as [string, string, string];
    let leaf: X509Certificate;
    let chain: X509Certificate[];
    try {
      leaf = new X509Certificate(Buffer.from(req.headers["x-amz-x509"] ?? "", "base64"));
      chain = (req.headers["x-amz-x509-chain"] ?? "").split(",").filter(Boolean).map((b) => new X509Certificate(Buffer.from(b, "base64")));
    } catch {
      return invalid("X-Amz-X509 is not a DER certificate in base64");
    }
    if (BigInt(`0x${leaf.serialNumber}`).toString(10) !== serial) return denied("Credential does not name the certificate's serial number", serial);
    const keyType = leaf.publicKey.asymmetricKeyType;
    if ((keyType === "rsa") !== (algorithm === "AWS4-X509-RSA-SHA256") || (keyType === "ec") !== (algorithm === "AWS4-X509-ECDSA-SHA256")) return denied(`${algorithm} does not match the certificate's key`, serial);
    const names = signedHeaders.split(";");
    for (const must of ["host", "x-amz-date", "x-amz-x509"]) if (!names.includes(must)) return denied(`SignedHeaders must include ${must}`, serial);
    if (req.headers["x-amz-x509-chain"] !== undefined && !names.includes("x-amz-x509-chain")) return denied("SignedHeaders must include x-amz-x509-chain", serial);
    const date = parseAmzDate(req.headers["x-amz-date"] ?? "");
    if (!date || req.headers["x-amz-date"]!.slice(0, 8) !== day) return denied("X-Amz-Date is missing or does not match the credential scope", serial);
    if (Math.abs(date.getTime() - ctx.state.now().getTime()) > 5 * 60 * 1000) return denied("Signature expired", serial);
    for (const n of names) if (req.headers[n] === undefined) return denied(`signed header ${n} is missing`, serial);

    const canonical = [
      req.method,
      "/sessions",
      canonicalQuery(req.query),
      names.map((n) => `${n}:${req.headers[n]!.trim().replace(/\s+/g, " ")}`).join("\n"),
      "",
      signedHeaders,
      createHash("sha256").update(req.body).digest("hex"),
    ].join("\n");
    const toSign = [algorithm, req.headers["x-amz-date"], credential.slice(serial.length + 1), createHash("sha256").update(canonical).digest("hex")].join("\n");
    if (!verify("sha256", Buffer.from(toSign), leaf.publicKey, Buffer.from(signature, "hex"))) return denied("Signature validation failed", serial);

    const q = new URLSearchParams(req.query.replace(/\+/g, "%2B"));
    const anchorArn = q.get("trustAnchorArn") ?? "";
    const profileArn = q.get("profileArn") ?? "";
    const roleArn = q.get("roleArn") ?? "";
    if (anchorArn.split(":")[3] !== region) return invalid("the trust anchor is not in the signing region");
    const caPem = config.trustAnchors.get(anchorArn);
    if (!caPem) return answer(ctx, 404, "ResourceNotFoundException", { message: "Trust anchor not found" });
    const profile = config.profiles.get(profileArn);
    if (!profile) return answer(ctx, 404, "ResourceNotFoundException", { message: "Profile not found" });
    if (!chainsTo(leaf, chain, new X509Certificate(caPem))) return denied("Untrusted signing certificate", serial);
    const now = ctx.state.now().getTime();
    for (const c of [leaf, ...chain]) {
      if (now < new Date(c.validFrom).getTime() || now >= new Date(c.validTo).getTime()) return denied("Untrusted signing certificate (expired or not yet valid)", serial);
    }
    const role = ctx.state.roles.get(roleArn);
    if (!role || !profile.roleArns.includes(roleArn)) return denied("Unable to assume role for profile", serial);
    let body: { durationSeconds?: unknown; roleSessionName?: unknown };
    try {
      body = JSON.parse(Buffer.from(req.body).toString("utf8") || "{}");
    } catch {
      return invalid("the body is not JSON");
    }
    const duration = body.durationSeconds ?? profile.durationSeconds ?? 3600;
    if (typeof duration !== "number" || !Number.isInteger(duration) || duration < 900 || duration > 43200) return invalid("durationSeconds must be 900–43200");
    if (body.roleSessionName !== undefined && !profile.acceptRoleSessionName) return invalid("The profile does not accept role session names");
    const sessionName = typeof body.roleSessionName === "string" ? body.roleSessionName : leaf.serialNumber.toLowerCase();
    const identity = ctx.state.assumedRoleIdentity(role, sessionName);
    const cred = ctx.state.issueTemporary({ identity, source: "assume-role", durationSeconds: duration, chained: false, mfaAuthenticated: false });
    return answer(ctx, 201, undefined, {
      credentialSet: [{
        assumedRoleUser: { arn: identity.arn, assumedRoleId: identity.userId },
        credentials: { accessKeyId: cred.accessKeyId, secretAccessKey: cred.secretAccessKey, sessionToken: cred.sessionToken, expiration: cred.expiration.toISOString().replace(/\.\d{3}Z$/, "Z") },
        packedPolicySize: 0,
        roleArn,
        sourceIdentity: leaf.subject.replace(/\n/g, ","),
      }],
      subjectArn: `arn:aws:rolesanywhere:${region}:${role.account}:subject/${ids.requestId()}`,
    }, serial);
  };
}
