// `sesame login SSO`: one login at a time per SSO (the same lock silent refreshes take, so parallel
// callers wait for it), a client registration reused until 15 minutes before it expires or re-made when it
// lacks the grant types the flow needs, then the browser (PKCE) or device-code flow, and the token saved
// in one atomic write at the very end — a cancelled login leaves nothing behind.
import type { SsoSessionDef } from "../catalog/types.ts";
import { SsoOidcError, type ClientRegistration, type SsoOidcAdapter } from "../aws/sso-types.ts";
import { NeedsInput } from "../errors.ts";
import type { SsoEffects } from "./effects.ts";
import { acquire } from "../store/lock.ts";
import { ssoLock, TOKEN_REFRESH_WINDOW_MS } from "./access-token.ts";
import { writeAwsCliToken } from "./aws-cli-cache.ts";
import { endpointOverride } from "../aws/endpoints.ts";
import { canOpenBrowser, openBrowser } from "../runtime/browser.ts";
import { deviceLogin } from "./device-login.ts";
import type { LoginUi } from "./login-ui.ts";
import { pkceLogin } from "./pkce-login.ts";
import { printable } from "./printable.ts";
import { loadRegistration, loadToken, saveRegistration, saveToken, type SsoToken } from "./tokens.ts";

export interface LoginOptions {
  deviceCode?: boolean;
  noBrowser?: boolean;
  force?: boolean;
  ui: LoginUi;
  /** lets the caller release the lock on Ctrl-C */
  onLock?: (release: () => void) => void;
}

const DEVICE_GRANTS = ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"];
const PKCE_GRANTS = ["authorization_code", "refresh_token"];

export type LoginResult = { token: SsoToken; already: boolean; flow: "device" | "browser" | "none" };

export async function login(sso: SsoSessionDef, d: SsoEffects, o: LoginOptions): Promise<LoginResult> {
  // A sign-in waits for another one in progress as long as that one may take.
  const lock = ssoLock(d, sso.name, "signing in to", 15 * 60_000);
  const release = await acquire(lock.path, lock.opts);
  o.onLock?.(release);
  try {
    const store = await d.secrets();
    const current = await loadToken(store, sso.name);
    if (!o.force && current && current.startUrl === sso.sso_start_url && current.expiresAt - d.now() > TOKEN_REFRESH_WINDOW_MS) {
      return { token: current, already: true, flow: "none" };
    }
    const flow: "device" | "browser" = o.deviceCode ? "device" : o.noBrowser || canOpenBrowser(d.env) ? "browser" : "device";
    const oidc = await d.ssoOidc();
    const client = await registration(sso, d, oidc, flow === "device" ? DEVICE_GRANTS : PKCE_GRANTS);
    const open = o.noBrowser ? undefined : canOpenBrowser(d.env) ? (url: string) => void openBrowser(url, d.env) : undefined;
    const oidcEndpoint = endpointOverride("SSO_OIDC", d.env);
    let grant;
    try {
      grant = flow === "device" ? await deviceLogin(sso, client, oidc, { ui: o.ui, ...(open ? { open } : {}), ...(oidcEndpoint ? { oidcEndpoint } : {}) }) : await pkceLogin(sso, client, oidc, { ui: o.ui, ...(open ? { open } : {}) });
    } catch (e) {
      if (e instanceof SsoOidcError) throw new NeedsInput("sso.login-failed", `IAM Identity Center refused the sign-in to "${sso.name}": ${printable(e.oauthCode).slice(0, 100)}`, `run: sesame login ${sso.name} again`);
      throw e;
    }
    const token: SsoToken = { accessToken: grant.accessToken, expiresAt: grant.expiresAt, startUrl: sso.sso_start_url, region: sso.sso_region };
    if (grant.refreshToken) token.refreshToken = grant.refreshToken;
    await saveToken(store, sso.name, token);
    if (sso.share_with_aws_cli) writeAwsCliToken(sso, token, client, d.env);
    return { token, already: false, flow };
  } finally {
    release();
  }
}

async function registration(sso: SsoSessionDef, d: SsoEffects, oidc: SsoOidcAdapter, grantTypes: string[]): Promise<ClientRegistration> {
  const store = await d.secrets();
  const have = await loadRegistration(store, sso.name);
  const scopes = sso.sso_registration_scopes;
  const fits = (r: ClientRegistration) =>
    r.expiresAt - d.now() > 15 * 60_000 && grantTypes.every((g) => r.grantTypes.includes(g)) && scopes.every((s) => r.scopes.includes(s));
  if (have && fits(have)) return have;
  const pkce = grantTypes.includes("authorization_code");
  const client = await oidc.registerClient(sso.sso_region, {
    clientName: `sesame-${sso.name}`,
    scopes,
    grantTypes,
    ...(pkce ? { redirectUris: ["http://127.0.0.1/oauth/callback"], issuerUrl: sso.sso_start_url } : {}),
  });
  await saveRegistration(store, sso.name, client);
  return client;
}
