// The container credential provider's endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI): one path per
// session, each with its own token in the Authorization header. Answers are the provider's JSON.
import type { Credentials } from "../types.ts";
import { isoSeconds } from "../runtime/iso-time.ts";
import { message, type Reply, type Route } from "./http.ts";
import type { Renewer } from "./renewer.ts";
import { tokenChecker } from "./token.ts";

export const CONTAINER_PREFIX = "/v1/credentials/";

export interface ServedSession {
  name: string;
  token: string;
  roleArn?: string;
}

export function containerPath(name: string): string {
  return CONTAINER_PREFIX + encodeURIComponent(name);
}

export function containerBody(c: Credentials, roleArn?: string): Record<string, string> {
  const o: Record<string, string> = { AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey };
  if (c.sessionToken) o.Token = c.sessionToken;
  if (c.expiration) o.Expiration = isoSeconds(c.expiration);
  if (roleArn) o.RoleArn = roleArn;
  return o;
}

export function containerRoute(sessions: readonly ServedSession[], renewer: Renewer, fallback?: Route): Route {
  const byPath = new Map(sessions.map((s) => [containerPath(s.name), { s, check: tokenChecker(s.token), for: undefined as Credentials | undefined, body: "" }]));
  return async (req): Promise<Reply> => {
    const hit = byPath.get(req.path);
    if (!hit) return fallback ? fallback(req) : message(404, "not found");
    if (req.method !== "GET") return { ...message(405, "only GET is answered here"), headers: { Allow: "GET" } };
    const auth = req.header("authorization");
    if (auth === undefined || auth === "") return message(401, "the Authorization header with this endpoint's token is missing");
    if (!hit.check(auth)) return message(403, "the Authorization token is not this endpoint's");
    const a = await renewer.answer(hit.s.name);
    if (!a.ok) return message(a.status, a.message);
    // The body changes only with a renewal: render it once per credentials.
    if (hit.for !== a.creds) {
      hit.for = a.creds;
      hit.body = JSON.stringify(containerBody(a.creds, hit.s.roleArn));
    }
    return { status: 200, body: hit.body };
  };
}
