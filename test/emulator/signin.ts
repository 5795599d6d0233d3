// The AWS console federation endpoint (shared/aws-wire.md §6), for tests of `sesame console`:
//
//   GET <prefix>?Action=getSigninToken[&SessionDuration=N]&Session={"sessionId","sessionKey","sessionToken"}
//     → 200 {"SigninToken":"…"}, or 400 "Invalid credentials parameter" (plain text) when the credentials are
//       unknown, expired or not session credentials of a kind the console takes
//   GET <prefix>?Action=login&Destination=URL&SigninToken=T[&Issuer=…]
//     → 302 to Destination while the token is valid (15 minutes, once), else 400
//
// Rules it enforces (AWS's, as far as the wire notes know them): only temporary credentials the emulator
// issued; never GetSessionToken credentials; SessionDuration (900–43200) only for role credentials — refused
// for GetFederationToken credentials and for role-chained ones. Register it on a prefix that no built-in
// route starts with (the SSO portal owns /federation/credentials), e.g.:
//
//   const signin = signinService();
//   emu.registerRoute("GET", SIGNIN_PATH, signin.handler);   // SESAME_SIGNIN_URL = emu.url + SIGNIN_PATH
//
// The call log (service "signin", actions getSigninToken and login) never holds a secret: params carry
// SessionDuration, the caller's access key id (as for STS), Destination and the identity the token is for.
import { randomBytes } from "node:crypto";
import * as ids from "./ids.ts";
import type { EmulatorContext, EmulatorRequest, EmulatorResponse, RouteHandler } from "./router.ts";
import type { Identity, TemporaryCredential } from "./state.ts";

export const SIGNIN_PATH = "/signin/federation";
const TOKEN_LIFETIME_MS = 15 * 60_000;

export interface IssuedSigninToken {
  identity: Identity;
  source: TemporaryCredential["source"];
  /** console session length: SessionDuration, else what the credentials have left */
  sessionSeconds: number;
  expiresAt: number;
  used: boolean;
}

export interface SigninService {
  handler: RouteHandler;
  /** every token issued, by token */
  tokens: Map<string, IssuedSigninToken>;
  /** console sign-ins completed (Action=login), oldest first */
  logins: { identity: Identity; destination: string; sessionSeconds: number }[];
}

function text(status: number, body: string): EmulatorResponse {
  return { status, headers: { "Content-Type": "text/plain; charset=utf-8" }, body };
}

export function signinService(): SigninService {
  const tokens = new Map<string, IssuedSigninToken>();
  const logins: SigninService["logins"] = [];

  const handler: RouteHandler = (req: EmulatorRequest, ctx: EmulatorContext) => {
    const q = new URLSearchParams(req.query);
    const action = q.get("Action") ?? "";
    const requestId = ids.requestId();
    const params: Record<string, string> = {};
    const answer = (r: EmulatorResponse, errorCode?: string): EmulatorResponse => {
      ctx.record({ service: "signin", action, params, status: r.status, ...(errorCode ? { errorCode } : {}), requestId, ...(params.sessionId ? { accessKeyId: params.sessionId } : {}) });
      return r;
    };
    const bad = (why: string) => answer(text(400, "Invalid credentials parameter\n"), why);

    if (action === "getSigninToken") {
      const fault = ctx.faults.take("signin", action);
      if (fault?.hugeBodyBytes) return answer({ status: 200, headers: { "Content-Type": "application/json" }, streamBytes: fault.hugeBodyBytes });
      const duration = q.get("SessionDuration");
      if (duration !== null) params.SessionDuration = duration;
      let session: { sessionId?: unknown; sessionKey?: unknown; sessionToken?: unknown };
      try {
        session = JSON.parse(q.get("Session") ?? "") as typeof session;
      } catch {
        return bad("MalformedSession");
      }
      if (typeof session.sessionId === "string") params.sessionId = session.sessionId;
      const cred = typeof session.sessionId === "string" ? ctx.state.temporaryCredentials.get(session.sessionId) : undefined;
      if (!cred || cred.secretAccessKey !== session.sessionKey || cred.sessionToken !== session.sessionToken) return bad("UnknownCredentials");
      const now = ctx.state.now().getTime();
      if (cred.expiration.getTime() <= now) return bad("ExpiredCredentials");
      if (cred.source === "session-token") return bad("GetSessionTokenCredentials");
      let sessionSeconds = Math.floor((cred.expiration.getTime() - now) / 1000);
      if (duration !== null) {
        if (cred.source === "federation") return bad("SessionDurationWithFederationToken");
        if (cred.chained) return bad("SessionDurationWithChainedRole");
        const n = Number(duration);
        if (!/^\d+$/.test(duration) || n < 900 || n > 43200) return bad("SessionDurationOutOfRange");
        sessionSeconds = n;
      }
      const token = randomBytes(48).toString("base64url");
      tokens.set(token, { identity: cred.identity, source: cred.source, sessionSeconds, expiresAt: now + TOKEN_LIFETIME_MS, used: false });
      params.identity = cred.identity.arn;
      return answer({ status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ SigninToken: token }) });
    }

    if (action === "login") {
      const destination = q.get("Destination") ?? "";
      params.Destination = destination;
      const t = tokens.get(q.get("SigninToken") ?? "");
      if (!t || t.used || t.expiresAt <= ctx.state.now().getTime()) return answer(text(400, "Invalid sign-in token\n"), "InvalidSigninToken");
      if (!/^https?:\/\//.test(destination)) return answer(text(400, "Invalid destination\n"), "InvalidDestination");
      t.used = true;
      params.identity = t.identity.arn;
      logins.push({ identity: t.identity, destination, sessionSeconds: t.sessionSeconds });
      return answer({ status: 302, headers: { Location: destination } });
    }

    return answer(text(400, `Unknown Action ${action}\n`), "UnknownAction");
  };

  return { handler, tokens, logins };
}
