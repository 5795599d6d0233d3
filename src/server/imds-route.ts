// An IMDSv2-compatible endpoint for tools that only know instance metadata: a session token from
// PUT /latest/api/token (TTL 1–21600 s) is required on every GET, and the role's credentials come in
// the instance profile JSON. One listener serves one session (IMDS has no notion of several roles),
// and the SDKs drop any path from AWS_EC2_METADATA_SERVICE_ENDPOINT, so these routes sit at the root.
import { isoSeconds } from "../runtime/iso-time.ts";
import { message, type Reply, type Req, type Route } from "./http.ts";
import type { Renewer } from "./renewer.ts";
import { newToken } from "./token.ts";
import { peerUid } from "./peer.ts";

const TOKEN_PATH = "/latest/api/token";
const CREDS_PATH = "/latest/meta-data/iam/security-credentials/";
/** How many live IMDS session tokens are kept; the oldest goes first (a client asks for one per refresh). */
const MAX_TOKENS = 1024;

const text = (status: number, body: string, headers?: Record<string, string>): Reply => ({ status, body, type: "text/plain", headers });

export function imdsRoute(session: string, renewer: Renewer, now: () => number = Date.now): Route {
  /** token → expiry (ms); Map keeps insertion order, so the first key is the oldest. */
  const tokens = new Map<string, number>();
  const valid = (req: Req): boolean => {
    const t = req.header("x-aws-ec2-metadata-token");
    if (typeof t !== "string") return false;
    const exp = tokens.get(t);
    if (exp === undefined) return false;
    if (exp <= now()) {
      tokens.delete(t);
      return false;
    }
    return true;
  };
  const roleName = session;
  return async (req) => {
    const path = req.path;
    if (path === TOKEN_PATH) {
      if (req.method !== "PUT") return { ...text(405, ""), headers: { Allow: "PUT" } };
      const ttlHeader = req.header("x-aws-ec2-metadata-token-ttl-seconds");
      const ttl = typeof ttlHeader === "string" && /^\d{1,5}$/.test(ttlHeader) ? Number(ttlHeader) : NaN;
      if (!(ttl >= 1 && ttl <= 21600)) return text(400, "");
      // IMDS has no client secret: on Linux, at least keep other users' processes out.
      if (!sameUser(req)) return text(403, "");
      // Map lookups hash the key, so a guessed token costs the same whatever its prefix; 256 bits make guessing moot.
      const token = newToken();
      tokens.set(token, now() + ttl * 1000);
      while (tokens.size > MAX_TOKENS) tokens.delete(tokens.keys().next().value!);
      return text(200, token, { "x-aws-ec2-metadata-token-ttl-seconds": String(ttl) });
    }
    if (!path.startsWith("/latest/")) return text(404, "");
    if (req.method !== "GET") return { ...text(405, ""), headers: { Allow: "GET" } };
    if (!valid(req)) return text(401, "");
    if (path === CREDS_PATH) return text(200, roleName);
    if (path === CREDS_PATH + roleName) {
      const a = await renewer.answer(session);
      if (!a.ok) return message(a.status, a.message);
      const c = a.creds;
      const body: Record<string, string> = {
        Code: "Success",
        LastUpdated: isoSeconds(new Date(a.fetchedAt)),
        Type: "AWS-HMAC",
        AccessKeyId: c.accessKeyId,
        SecretAccessKey: c.secretAccessKey,
        Token: c.sessionToken ?? "",
      };
      if (c.expiration) body.Expiration = isoSeconds(c.expiration);
      return { status: 200, body: JSON.stringify(body), type: "text/plain" };
    }
    // Everything else, security-credentials-extended/ included: not answered, as on an instance without it.
    return text(404, "");
  };
}

/** true unless the kernel says the client's socket belongs to another user (or lists no such connection). */
function sameUser(req: Req): boolean {
  const me = process.getuid?.();
  if (me === undefined || !req.peer) return true;
  const uid = peerUid(req.peer, req.local);
  return uid === undefined || uid === me;
}
