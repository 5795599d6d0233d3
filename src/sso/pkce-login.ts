// The browser flow with PKCE and a loopback redirect on 127.0.0.1 (the AWS CLI's default since 2.22):
// the IdP sends the browser back to http://127.0.0.1:PORT/oauth/callback?code=…&state=…, and the code is
// exchanged with the verifier only this process knows.
import { createServer, type Server } from "node:http";
import type { SsoSessionDef } from "../catalog/types.ts";
import type { ClientRegistration, SsoOidcAdapter, TokenGrant } from "../aws/sso-types.ts";
import { NeedsInput } from "../errors.ts";
import type { FlowOptions } from "./device-login.ts";
import { codeChallenge, codeVerifier, newState } from "./pkce.ts";

const PAGE = (title: string, body: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${body}</p></body>`;

export async function pkceLogin(sso: SsoSessionDef, client: ClientRegistration, oidc: SsoOidcAdapter, o: FlowOptions & { timeoutMs?: number; onServer?: (s: Server) => void }): Promise<TokenGrant> {
  const verifier = codeVerifier();
  const state = newState();
  let settle!: (r: { code?: string; error?: string }) => void;
  const answered = new Promise<{ code?: string; error?: string }>((r) => (settle = r));
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    if (u.pathname !== "/oauth/callback") {
      res.writeHead(404).end();
      return;
    }
    const error = u.searchParams.get("error");
    const code = u.searchParams.get("code");
    if (u.searchParams.get("state") !== state) {
      res.writeHead(400, { "content-type": "text/html; charset=utf-8" }).end(PAGE("Sign-in failed", "This answer does not belong to the sign-in sesame started. Run sesame login again."));
      settle({ error: "state_mismatch" });
      return;
    }
    if (error || !code) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE("Sign-in failed", "You can close this tab and run sesame login again."));
      settle({ error: error ?? "no_code" });
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE("Signed in", "sesame has your sign-in. You can close this tab."));
    settle({ code });
  });
  await new Promise<void>((r, j) => server.listen(0, "127.0.0.1", r).once("error", j));
  o.onServer?.(server);
  try {
    const port = (server.address() as { port: number }).port;
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
    o.ui.say(url);
    const timeoutMs = o.timeoutMs ?? 10 * 60_000;
    const stop = o.ui.waiting("Waiting for the browser", Date.now() + timeoutMs);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<{ error: string }>((r) => (timer = setTimeout(() => r({ error: "timeout" }), timeoutMs)));
    let answer: { code?: string; error?: string };
    try {
      answer = await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
      stop();
    }
    if (answer.error === "timeout") throw new NeedsInput("sso.login-timeout", `nobody completed the sign-in to "${sso.name}" in the browser in time`, `run: sesame login ${sso.name} again (or --device-code)`);
    if (!answer.code) throw new NeedsInput("sso.login-denied", `the sign-in to "${sso.name}" failed in the browser (${answer.error})`, `run: sesame login ${sso.name} again`);
    return await oidc.createToken(sso.sso_region, client, { grantType: "authorization_code", code: answer.code, redirectUri, codeVerifier: verifier });
  } finally {
    server.close();
    server.closeAllConnections?.();
  }
}
