// The browser flow with PKCE and a loopback redirect on 127.0.0.1 (the AWS CLI's default since 2.22): the
// IdP sends the browser back to the loopback server (runtime/loopback-redirect.ts, which refuses every
// answer that is not this login's), and the code is exchanged with the verifier only this process knows.
import type { Server } from "node:http";
import type { SsoSessionDef } from "../catalog/types.ts";
import { SsoOidcError, type ClientRegistration, type SsoOidcAdapter, type TokenGrant } from "../aws/sso-types.ts";
import { NeedsInput } from "../errors.ts";
import { loopbackRedirect } from "../runtime/loopback-redirect.ts";
import type { FlowOptions } from "./device-login.ts";
import { codeChallenge, codeVerifier, newState } from "./pkce.ts";
import { printable } from "./printable.ts";
import { browserAnswer } from "./login-ui.ts";

export async function pkceLogin(sso: SsoSessionDef, client: ClientRegistration, oidc: SsoOidcAdapter, o: FlowOptions & { timeoutMs?: number; onServer?: (s: Server) => void }): Promise<TokenGrant> {
  const verifier = codeVerifier();
  const state = newState();
  const loop = await loopbackRedirect(state, o.onServer);
  try {
    const redirectUri = loop.redirectUri;
    const q = new URLSearchParams({
      response_type: "code",
      client_id: client.clientId,
      redirect_uri: redirectUri,
      state,
      code_challenge_method: "S256",
      scopes: sso.sso_registration_scopes.join(" "),
      code_challenge: codeChallenge(verifier),
    });
    const url = `${oidc.authorizeBase(sso.sso_region)}/authorize?${q.toString()}`;
    if (o.open) {
      o.ui.say(`Opening the browser to sign in to "${sso.name}". If it does not open, visit:`);
      o.open(url);
    } else {
      o.ui.say(`To sign in to "${sso.name}", open this URL in a browser on this machine:`);
    }
    o.ui.say(printable(url));
    const answer = await browserAnswer(loop, o.ui, o.timeoutMs ?? 10 * 60_000, {
      timeout: () => new NeedsInput("sso.login-timeout", `nobody completed the sign-in to "${sso.name}" in the browser in time`, `run: sesame login ${sso.name} again (or --device-code)`),
      denied: (error) => new NeedsInput("sso.login-denied", `the sign-in to "${sso.name}" failed in the browser (${error})`, `run: sesame login ${sso.name} again`),
    });
    let grant: TokenGrant;
    try {
      grant = await oidc.createToken(sso.sso_region, client, { grantType: "authorization_code", code: answer.code, redirectUri, codeVerifier: verifier });
    } catch (e) {
      answer.finish(false, "sesame could not exchange the sign-in for a token. See the terminal.");
      // The browser flow got this far and IAM Identity Center refused the exchange: the device flow is the
      // other way in. (A network failure stays what it is: another flow would not help.)
      if (e instanceof SsoOidcError) throw new NeedsInput("sso.login-failed", `IAM Identity Center refused the browser sign-in to "${sso.name}" at the code exchange: ${printable(e.oauthCode)}`, `run: sesame login ${sso.name} --device-code`);
      throw e;
    }
    answer.finish(true, "sesame has your sign-in. You can close this tab.");
    return grant;
  } finally {
    loop.close();
  }
}
