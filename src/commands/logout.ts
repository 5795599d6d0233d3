// sesame logout [SSO]: the portal's Logout, then the tokens, the registration and every credential cached
// from that SSO (its sso sessions and every chain through them) are forgotten. No name: every SSO.
import { writeSync } from "node:fs";
import { catalogPath, cacheDir, stateDir } from "../catalog/locate.ts";
import { loadCatalog } from "../catalog/load.ts";
import { realDeps } from "../credentials/deps.ts";
import { chainOf, hopIdentity } from "../credentials/identity.ts";
import { deleteEntry } from "../store/cache.ts";
import { removeAwsCliToken } from "../sso/aws-cli-cache.ts";
import { forgetRegistration, forgetToken, loadToken } from "../sso/tokens.ts";
import { ssoSessionNamed } from "./login.ts";

export async function logoutCommand(name: string | undefined, opts: { config?: string }, env: Record<string, string | undefined> = process.env): Promise<void> {
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
    await forgetToken(store, sso.name);
    await forgetRegistration(store, sso.name);
    let dropped = 0;
    for (const s of cat.sessions.values()) {
      if (chainOf(cat, s).some((h) => h.type === "sso" && h.sso_session === sso.name)) {
        if (await deleteEntry(loc, hopIdentity(cat, s, env))) dropped++;
      }
    }
    writeSync(2, `sesame: signed out of "${sso.name}"${t ? "" : " (no sign-in was stored)"}; forgot ${dropped} cached credential${dropped === 1 ? "" : "s"}${note}\n`);
  }
}
