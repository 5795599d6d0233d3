// sso: the IAM Identity Center access token → SSO GetRoleCredentials. A revoked token means a new
// login; with auto_login and a terminal, that login happens right here, on the terminal.
import { closeSync, openSync } from "node:fs";
import type { Catalog, SsoSession } from "../catalog/types.ts";
import { AwsRefused } from "../errors.ts";
import { LoginNeeded, refreshAfterRejection, ssoAccessToken } from "../sso/access-token.ts";
import type { Credentials, Deps, Provider } from "./types.ts";

export function ssoRole(s: SsoSession, cat: Catalog, d: Deps): Provider {
  const sso = cat.ssoSessions.get(s.sso_session);
  if (!sso) throw new Error(`sso-session ${s.sso_session} missing after validation`);
  return async (): Promise<Credentials> => {
    const portal = await d.ssoPortal();
    const get = (token: string) => portal.getRoleCredentials(sso.sso_region, token, s.sso_account_id, s.sso_role_name);
    const unauthorized = (e: unknown) => e instanceof AwsRefused && e.awsCode === "UnauthorizedException";
    const fetch = async () => {
      const token = await ssoAccessToken(sso, d);
      try {
        return await get(token);
      } catch (e) {
        if (!unauthorized(e)) throw e;
      }
      // Refused before its time (revoked, or the portal's clock disagrees): one silent refresh, then a login.
      const next = await refreshAfterRejection(sso, token, d);
      if (next) {
        try {
          return await get(next);
        } catch (e) {
          if (!unauthorized(e)) throw e;
        }
      }
      const { forgetToken } = await import("../sso/tokens.ts");
      await forgetToken(await d.secrets(), sso.name);
      throw new LoginNeeded(sso.name, "was signed out or its sign-in was revoked");
    };
    try {
      return await fetch();
    } catch (e) {
      if (!(e instanceof LoginNeeded) || !sso.auto_login) throw e;
      if (!(await d.terminal())) throw e;
      // SDKs hide a credential process's stderr: the login talks on the terminal itself.
      const { login } = await import("../sso/login.ts");
      const { streamUi } = await import("../sso/login-ui.ts");
      const fd = openSync(process.platform === "win32" ? "\\\\.\\CONOUT$" : "/dev/tty", "w");
      try {
        await login(sso, d, { ui: streamUi(fd, true) });
      } finally {
        closeSync(fd);
      }
      return fetch();
    }
  };
}
