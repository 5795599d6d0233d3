// `sesame login NAME` for an aws-login session: the AWS CLI's `aws login` flows. Same device: PKCE with a
// loopback redirect (runtime/loopback-redirect.ts). Cross device (`--remote`, the browser is elsewhere):
// AWS's confirmation page shows a verification code the person pastes here. Either way the code is
// exchanged with the PKCE verifier and a DPoP proof of a new P-256 key, and the sign-in is saved in one
// keyring write at the very end, under the session's lock: a cancelled login leaves nothing behind.
import type { AwsLoginSession } from "../catalog/types.ts";
import { CROSS_DEVICE_CLIENT, SAME_DEVICE_CLIENT, SigninRefused } from "../aws/signin-types.ts";
import { newDpopKey } from "../aws/dpop.ts";
import { NeedsInput, SesameError, EXIT } from "../errors.ts";
import { acquire } from "../store/lock.ts";
import { codeChallenge, codeVerifier, newState } from "../sso/pkce.ts";
import { browserAnswer, type LoginUi } from "../sso/login-ui.ts";
import { printable } from "../sso/printable.ts";
import { loopbackRedirect } from "../runtime/loopback-redirect.ts";
import { canOpenBrowser, openBrowser } from "../runtime/browser.ts";
import { LoginNeeded, LOGIN_REFRESH_MS, loginCredentials } from "./access.ts";
import { isoSeconds } from "../runtime/iso-time.ts";
import { writeAwsCliLogin } from "./aws-cli-cache.ts";
import type { SigninEffects } from "./effects.ts";
import { loginSessionOf } from "./id-token.ts";
import { loginLock } from "./lock.ts";
import { accessExpiry, loadLogin, saveLogin, type LoginRecord } from "./tokens.ts";

export interface AwsLoginOptions {
  /** the cross-device flow (aws login --remote) */
  remote?: boolean;
  noBrowser?: boolean;
  force?: boolean;
  ui: LoginUi;
  /** the verification code the person pastes (cross device) */
  readCode(prompt: string): Promise<string>;
  onLock?: (release: () => void) => void;
  timeoutMs?: number;
}

export type AwsLoginResult = { record: LoginRecord; already: boolean };

export async function awsLogin(s: AwsLoginSession, region: string, d: SigninEffects, o: AwsLoginOptions): Promise<AwsLoginResult> {
  if (!o.force) {
    // Still signed in (a refresh that works counts): nothing to do.
    try {
      await loginCredentials(s, d);
      const rec = await loadLogin(await d.secrets(), s.name);
      if (rec && accessExpiry(rec) - d.now() > LOGIN_REFRESH_MS) return { record: rec, already: true };
    } catch (e) {
      if (!(e instanceof LoginNeeded)) throw e;
    }
  }
  const lock = loginLock(d, s.name, "signing in to", 15 * 60_000);
  const release = await acquire(lock.path, lock.opts);
  o.onLock?.(release);
  try {
    const signin = await d.signin();
    const base = await signin.oauthBase(region);
    const key = newDpopKey();
    const verifier = codeVerifier();
    const state = newState();
    const clientId = o.remote ? CROSS_DEVICE_CLIENT : SAME_DEVICE_CLIENT;
    const loop = o.remote ? undefined : await loopbackRedirect(state);
    try {
      const redirectUri = loop ? loop.redirectUri : `${base}/v1/sessions/confirmation`;
      // The AWS CLI's order; code_challenge last, base64url without padding.
      const q = new URLSearchParams({ response_type: "code", client_id: clientId, state, code_challenge_method: "SHA-256", scope: "openid", redirect_uri: redirectUri });
      const url = `${base}/v1/authorize?${q.toString()}&code_challenge=${codeChallenge(verifier)}`;
      const open = !o.remote && !o.noBrowser && canOpenBrowser(d.env) ? (u: string) => void openBrowser(u, d.env) : undefined;
      if (open) {
        o.ui.say(`Opening the browser to sign in to the AWS console for "${s.name}". If it does not open, visit:`);
        open(url);
      } else {
        o.ui.say(o.remote ? `To sign in for "${s.name}", open this URL in a browser on any device:` : `To sign in for "${s.name}", open this URL in a browser on this machine:`);
      }
      o.ui.say(printable(url));
      const timeoutMs = o.timeoutMs ?? 10 * 60_000;
      let code: string;
      let finish: ((ok: boolean, detail: string) => void) | undefined;
      if (loop) {
        const answer = await browserAnswer(loop, o.ui, timeoutMs, {
          timeout: () => new NeedsInput("login.timeout", `nobody completed the sign-in for "${s.name}" in the browser in time`, `run: sesame login ${s.name} again (or with --remote)`),
          denied: (error) => new NeedsInput("login.denied", `the sign-in for "${s.name}" failed in the browser (${error})`, `run: sesame login ${s.name} again`),
        });
        code = answer.code;
        finish = answer.finish;
      } else {
        code = verificationCode(await o.readCode("Enter the authorization code displayed in your browser: "), state, s.name);
      }
      let out;
      try {
        out = await signin.createToken(region, { clientId, grantType: "authorization_code", code, codeVerifier: verifier, redirectUri }, key);
      } catch (e) {
        finish?.(false, "sesame could not exchange the sign-in for credentials. See the terminal.");
        if (e instanceof SigninRefused) {
          const why = e.error === "AUTHCODE_EXPIRED" ? "the authorization code expired or was already used" : e.error === "INSUFFICIENT_PERMISSIONS" ? "the console identity may not use aws login (it needs the SignInLocalDevelopmentAccess policy)" : `${e.exception} ${printable(e.error).slice(0, 60)}`;
          throw new NeedsInput("login.refused", `AWS Sign-In refused the sign-in for "${s.name}": ${why}`, `run: sesame login ${s.name} again`);
        }
        throw e;
      }
      const who = loginSessionOf(out.idToken);
      if (!who) {
        finish?.(false, "AWS Sign-In did not say who signed in. See the terminal.");
        throw new SesameError("login.no-identity", `AWS Sign-In answered the sign-in for "${s.name}" without the identity that signed in`, EXIT.awsRefused, "check AWS_ENDPOINT_URL_SIGNIN / AWS_ENDPOINT_URL: that endpoint is not AWS Sign-In");
      }
      if (s.login_session && who !== s.login_session) {
        finish?.(false, "You signed in as another identity than this session's. See the terminal.");
        throw new NeedsInput("login.other-identity", `you signed in as ${printable(who)}, but session "${s.name}" is for ${s.login_session}`, `sign in to the console as that identity and run sesame login ${s.name} again, or change login_session in the catalog`);
      }
      const now = d.now();
      const record: LoginRecord = {
        loginSession: who,
        region,
        clientId,
        refreshToken: out.refreshToken,
        dpopKey: key,
        tokenType: out.tokenType,
        ...(out.idToken ? { idToken: out.idToken } : {}),
        accessToken: { accessKeyId: out.accessKeyId, secretAccessKey: out.secretAccessKey, sessionToken: out.sessionToken, accountId: who.split(":")[4]!, expiresAt: isoSeconds(new Date(now + out.expiresIn * 1000)) },
        signedInAt: now,
      };
      await saveLogin(await d.secrets(), s.name, record);
      if (s.share_with_aws_cli) writeAwsCliLogin(record, d.env);
      finish?.(true, "sesame has your sign-in. You can close this tab.");
      return { record, already: false };
    } finally {
      loop?.close();
    }
  } finally {
    release();
  }
}

/** The pasted code: base64 of "state=…&code=…" (AWS's confirmation page); its state must be this sign-in's. */
export function verificationCode(pasted: string, state: string, session: string): string {
  const bad = (why: string) => new NeedsInput("login.bad-code", `that is not the authorization code of this sign-in for "${session}" (${why})`, `copy the whole code the browser shows, or run: sesame login ${session} --remote again`);
  const text = pasted.trim();
  if (!text || text.length > 8192 || !/^[A-Za-z0-9+/=_-]+$/.test(text)) throw bad("not a code");
  const q = new URLSearchParams(Buffer.from(text, "base64").toString("utf8"));
  const code = q.get("code");
  if (!code) throw bad("it holds no code");
  if (q.get("state") !== state) throw bad("it belongs to another sign-in");
  return code;
}
