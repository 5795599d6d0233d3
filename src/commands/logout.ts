// sesame logout [SSO]: the portal's Logout, then the tokens, the registration and every credential cached
// from that SSO (its sso sessions and every chain through them) are forgotten. No name: every SSO.
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

export async function logoutCommand(name: string | undefined, opts: { config?: string }, env: Env = process.env): Promise<void> {
  const cat = loadCatalog(catalogPath(opts.config, env));
  const targets = name ? [ssoSessionNamed(cat, name)] : [...cat.ssoSessions.values()];
  const d = realDeps(cat, env);
  const store = await d.secrets();
  const loc = { cacheDir: cacheDir(env), stateDir: stateDir(env) };
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
