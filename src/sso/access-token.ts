// A usable IAM Identity Center access token for an sso-session: the stored one while it has more than
// 15 minutes left; otherwise a silent refresh with the refresh token under the per-SSO lock (a rotated
// refresh token is saved atomically there); otherwise a valid token left by `aws sso login`; otherwise
// "login needed". Parallel callers wait on the same lock, so a login in progress is waited for.
import { join } from "node:path";
import { sha256HexSync } from "../runtime/sha256-sync.ts";
import type { SsoSessionDef } from "../catalog/types.ts";
import { SsoOidcError } from "../aws/sso-types.ts";
import { NeedsInput } from "../errors.ts";
import { lockTimeoutMs, withLock, type LockOptions } from "../store/lock.ts";
import type { SsoEffects } from "./effects.ts";
import { readAwsCliToken, writeAwsCliToken } from "./aws-cli-cache.ts";
import { loadRegistration, loadToken, saveToken, type SsoToken } from "./tokens.ts";

/** botocore refreshes SSO tokens with 15 minutes left, the JS SDK with 5: sesame takes the earlier. */
export const TOKEN_REFRESH_WINDOW_MS = 15 * 60_000;
/** A token with less than this left is not worth using for a call. */
export const TOKEN_USABLE_MS = 60_000;

export class LoginNeeded extends NeedsInput {
  constructor(readonly sso: string, why: string) {
    super("sso.login-needed", `IAM Identity Center session "${sso}" ${why}`, `run: sesame login ${sso}`);
  }
}

/**
 * The per-SSO lock: signing in, a silent refresh and signing out of one sso-session wait for each other.
 * A sign-in holds it while the user answers in the browser, so a holder is stale only after 15 minutes.
 * `timeoutMs`: how long to wait for it (a sign-in waits as long as another one may take).
 */
export function ssoLock(d: Pick<SsoEffects, "cacheDir" | "env">, sso: string, doing: "signing in to" | "signing out of" = "signing in to", timeoutMs = lockTimeoutMs(d.env)): { path: string; opts: LockOptions } {
  return {
    path: join(d.cacheDir, `sso-${sha256HexSync(sso).slice(0, 32)}.lock`),
    opts: { timeoutMs, staleMs: SSO_LOCK_STALE_MS, what: `${doing} "${sso}"` },
  };
}
const SSO_LOCK_STALE_MS = 15 * 60_000;

export async function ssoAccessToken(sso: SsoSessionDef, d: SsoEffects): Promise<string> {
  const store = await d.secrets();
  // A plain boolean, not a type guard: "not usable" does not mean "absent".
  const usable = (t: SsoToken | undefined, window: number): boolean => !!t && t.startUrl === sso.sso_start_url && t.expiresAt - d.now() > window;

  const first = await loadToken(store, sso.name);
  if (first && usable(first, TOKEN_REFRESH_WINDOW_MS)) return first.accessToken;

  const lock = ssoLock(d, sso.name);
  return withLock(lock.path, lock.opts, async () => {
    const t = await loadToken(store, sso.name); // a parallel refresh or login may have finished meanwhile
    if (t && usable(t, TOKEN_REFRESH_WINDOW_MS)) return t.accessToken;
    if (t?.refreshToken && t.startUrl === sso.sso_start_url) {
      const refreshed = await refresh(sso, t, d);
      if (refreshed) return refreshed.accessToken;
    }
    if (t && usable(t, TOKEN_USABLE_MS)) return t.accessToken; // refresh failed, but the old token still works
    const cli = readAwsCliToken(sso, d.env);
    if (cli && usable(cli, TOKEN_USABLE_MS)) return cli.accessToken;
    throw new LoginNeeded(sso.name, t ? "has expired" : "is not logged in");
  });
}

/** undefined when the refresh token or the client registration is no longer accepted. */
async function refresh(sso: SsoSessionDef, t: SsoToken, d: SsoEffects): Promise<SsoToken | undefined> {
  const store = await d.secrets();
  const client = await loadRegistration(store, sso.name);
  if (!client || client.expiresAt <= d.now()) return undefined;
  try {
    const grant = await (await d.ssoOidc()).createToken(sso.sso_region, client, { grantType: "refresh_token", refreshToken: t.refreshToken! });
    const next: SsoToken = { accessToken: grant.accessToken, expiresAt: grant.expiresAt, refreshToken: grant.refreshToken ?? t.refreshToken!, startUrl: sso.sso_start_url, region: sso.sso_region };
    await saveToken(store, sso.name, next);
    if (sso.share_with_aws_cli) writeAwsCliToken(sso, next, client, d.env);
    return next;
  } catch (e) {
    if (e instanceof SsoOidcError) return undefined; // invalid_grant, expired_token …: a login is needed
    throw e;
  }
}

/** The portal refused `rejected` (revoked, or expired early): refresh once, under the lock, if possible. */
export async function refreshAfterRejection(sso: SsoSessionDef, rejected: string, d: SsoEffects): Promise<string | undefined> {
  const store = await d.secrets();
  const lock = ssoLock(d, sso.name);
  return withLock(lock.path, lock.opts, async () => {
    const t = await loadToken(store, sso.name);
    if (t && t.accessToken !== rejected && t.expiresAt - d.now() > TOKEN_USABLE_MS) return t.accessToken; // someone already did
    if (!t?.refreshToken) return undefined;
    return (await refresh(sso, t, d))?.accessToken;
  });
}
