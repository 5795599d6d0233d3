// The browser flow with PKCE and a loopback redirect on 127.0.0.1 (the AWS CLI's default since 2.22):
// the IdP sends the browser back to http://127.0.0.1:PORT/oauth/callback?code=…&state=…, and the code is
// exchanged with the verifier only this process knows.
//
// Any local program (or a web page, through the browser) can send requests to the loopback port, so only
// an answer for this login counts: a GET of /oauth/callback with this login's `state`, addressed to
// 127.0.0.1:PORT or localhost:PORT (a foreign Host is a DNS-rebinding page). Anything else gets a 400 and
// the login keeps waiting. The browser's request is held open until the code exchange is done, so the page
// says "Signed in" only once sesame has the token.
import { createServer, type ServerResponse, type Server } from "node:http";
import type { SsoSessionDef } from "../catalog/types.ts";
import { SsoOidcError, type ClientRegistration, type SsoOidcAdapter, type TokenGrant } from "../aws/sso-types.ts";
import { NeedsInput } from "../errors.ts";
import type { FlowOptions } from "./device-login.ts";
import { codeChallenge, codeVerifier, newState } from "./pkce.ts";
import { printable } from "./printable.ts";

const PAGE = (title: string, body: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${body}</p></body>`;
const HTML = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer" };

type Answer = { code: string; res: ServerResponse } | { error: string; res?: ServerResponse };

export async function pkceLogin(sso: SsoSessionDef, client: ClientRegistration, oidc: SsoOidcAdapter, o: FlowOptions & { timeoutMs?: number; onServer?: (s: Server) => void }): Promise<TokenGrant> {
  const verifier = codeVerifier();
  const state = newState();
  let settle!: (r: Answer) => void;
  const answered = new Promise<Answer>((r) => (settle = r));
  let port = 0;
  let taken = false;
  const server = createServer((req, res) => {
    const host = (req.headers.host ?? "").toLowerCase();
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      res.writeHead(400, HTML).end(PAGE("Wrong address", "sesame answers only at 127.0.0.1."));
      return;
    }
    if (req.method !== "GET" || u.pathname !== "/oauth/callback") {
      res.writeHead(404, HTML).end();
      return;
    }
    if (taken || u.searchParams.get("state") !== state) {
      // Not the answer to the sign-in sesame started (or a second one): ignored, the login keeps waiting.
      res.writeHead(400, HTML).end(PAGE("Not this sign-in", "This answer does not belong to the sign-in sesame is waiting for."));
      return;
    }
    taken = true;
    const error = u.searchParams.get("error");
    const code = u.searchParams.get("code");
    if (error || !code) {
      res.writeHead(200, HTML).end(PAGE("Sign-in failed", "You can close this tab and run sesame login again."));
      settle({ error: printable(error ?? "no_code").slice(0, 100) });
      return;
    }
    settle({ code, res }); // answered below, once the code has been exchanged
  });
  await new Promise<void>((r, j) => server.listen(0, "127.0.0.1", r).once("error", j));
  o.onServer?.(server);
  let held: ServerResponse | undefined;
  try {
    port = (server.address() as { port: number }).port;
    const redirectUri = `http://127.0.0.1:${port}/oauth/callback`;
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
    const timeoutMs = o.timeoutMs ?? 10 * 60_000;
    const stop = o.ui.waiting("Waiting for the browser", Date.now() + timeoutMs);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<Answer>((r) => (timer = setTimeout(() => r({ error: "timeout" }), timeoutMs)));
    let answer: Answer;
    try {
      answer = await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
      stop();
    }
    if (!("code" in answer)) {
      if (answer.error === "timeout") throw new NeedsInput("sso.login-timeout", `nobody completed the sign-in to "${sso.name}" in the browser in time`, `run: sesame login ${sso.name} again (or --device-code)`);
      throw new NeedsInput("sso.login-denied", `the sign-in to "${sso.name}" failed in the browser (${answer.error})`, `run: sesame login ${sso.name} again`);
    }
    held = answer.res;
    let grant: TokenGrant;
    try {
      grant = await oidc.createToken(sso.sso_region, client, { grantType: "authorization_code", code: answer.code, redirectUri, codeVerifier: verifier });
    } catch (e) {
      reply(held, PAGE("Sign-in failed", "sesame could not exchange the sign-in for a token. See the terminal."));
      held = undefined;
      // The browser flow got this far and IAM Identity Center refused the exchange: the device flow is the
      // other way in. (A network failure stays what it is: another flow would not help.)
      if (e instanceof SsoOidcError) throw new NeedsInput("sso.login-failed", `IAM Identity Center refused the browser sign-in to "${sso.name}" at the code exchange: ${printable(e.oauthCode)}`, `run: sesame login ${sso.name} --device-code`);
      throw e;
    }
    reply(held, PAGE("Signed in", "sesame has your sign-in. You can close this tab."));
    held = undefined;
    return grant;
  } finally {
    if (held) reply(held, PAGE("Sign-in failed", "See the terminal."));
    server.close();
    server.closeAllConnections?.();
  }
}

function reply(res: ServerResponse, page: string): void {
  try {
    res.writeHead(200, HTML).end(page);
  } catch {
    /* the browser went away */
  }
}
