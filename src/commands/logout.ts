// sesame logout [NAME]: for an SSO, the portal's Logout, then the tokens, the registration and every
// credential cached from that SSO (its sso sessions and every chain through them) are forgotten. For an
// aws-login session, its sign-in (AWS Sign-In has no sign-out call: the refresh token and its key are
// destroyed), the AWS CLI's copy when it is this very sign-in, and its cached credentials. No name: all.
import { writeSync } from "node:fs";
import { catalogPath, cacheDir, stateDir } from "../locations.ts";
import { loadCatalog } from "../catalog/load.ts";
import { realDeps } from "../credentials/deps.ts";
import { forgetRoot } from "../credentials/forget.ts";
import { withLock } from "../store/lock.ts";
import { ssoLock } from "../sso/access-token.ts";
import { removeAwsCliToken } from "../sso/aws-cli-cache.ts";
import { forgetRegistration, forgetToken, loadToken } from "../sso/tokens.ts";
import { ssoSessionNamed } from "../catalog/catalog.ts";
import type { Env } from "../types.ts";
import type { AwsLoginSession } from "../catalog/types.ts";
import { awsLoginNamed } from "./login.ts";
import type { SecretStore } from "../store/secret-store.ts";
import type { Deps } from "../credentials/types.ts";
import type { Catalog } from "../catalog/types.ts";

export async function logoutCommand(name: string | undefined, opts: { config?: string }, env: Env = process.env): Promise<void> {
  const cat = loadCatalog(catalogPath(opts.config, env));
  const aws = name ? awsLoginNamed(cat, name) : undefined;
  const logins = name ? (aws ? [aws] : []) : [...cat.sessions.values()].filter((s): s is AwsLoginSession => s.type === "aws-login");
  const targets = name ? (aws ? [] : [ssoSessionNamed(cat, name)]) : [...cat.ssoSessions.values()];
  const d = realDeps(cat, env);
  const store = await d.secrets();
  const loc = { cacheDir: cacheDir(env), stateDir: stateDir(env) };
  for (const s of logins) await consoleLogout(cat, s, store, d, env, loc, !name);
  for (const sso of targets) {
    const t = await loadToken(store, sso.name);
    let note = "";
    if (t && t.expiresAt > Date.now()) {
      try {
        await (await d.ssoPortal()).logout(sso.sso_region, t.accessToken);
      } catch (e) {
        note = ` (the portal did not confirm the sign-out: ${(e as Error).message.split("\n")[0]})`;
      }
    }
    if (t) removeAwsCliToken(sso, t.accessToken, env);
    // Under the SSO's lock: a silent refresh in flight must not save a token after we forgot it.
    const lock = ssoLock(d, sso.name, "signing out of");
    await withLock(lock.path, lock.opts, async () => {
      await forgetToken(store, sso.name);
      await forgetRegistration(store, sso.name);
    });
    const dropped = await forgetRoot(cat, `sso-session:${sso.name}`, env, loc);
    writeSync(2, `sesame: signed out of "${sso.name}"${t ? "" : " (no sign-in was stored)"}; forgot ${dropped} cached credential${dropped === 1 ? "" : "s"}${note}\n`);
  }
}

async function consoleLogout(cat: Catalog, s: AwsLoginSession, store: SecretStore, d: Deps, env: Env, loc: { cacheDir: string; stateDir: string }, quietIfNone: boolean): Promise<void> {
  const { loginLock } = await import("../signin/lock.ts");
  const { forgetLogin, loadLogin } = await import("../signin/tokens.ts");
  const { removeAwsCliLogin } = await import("../signin/aws-cli-cache.ts");
  // Under the session's lock: a refresh in flight must not save a token after we forgot it.
  const lock = loginLock(d, s.name, "signing out of");
  const had = await withLock(lock.path, lock.opts, async () => {
    const r = await loadLogin(store, s.name);
    if (r) removeAwsCliLogin(r, env);
    await forgetLogin(store, s.name);
    return r !== undefined;
  });
  if (!had && quietIfNone) return;
  const dropped = await forgetRoot(cat, `aws-login:${s.name}`, env, loc);
  writeSync(2, `sesame: signed out of "${s.name}"${had ? "" : " (no sign-in was stored)"}; forgot ${dropped} cached credential${dropped === 1 ? "" : "s"}\n`);
}
