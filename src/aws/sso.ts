// Thin adapter over @aws-sdk/client-sso (the IAM Identity Center portal). Loaded dynamically.
import { GetRoleCredentialsCommand, LogoutCommand, paginateListAccountRoles, paginateListAccounts, SSOClient } from "@aws-sdk/client-sso";
import { callOptions, clientConfig, NO_CREDENTIALS } from "./client-config.ts";
import { endpointOverride } from "./endpoints.ts";
import { toSesameError } from "./errors.ts";
import type { SsoPortalAdapter } from "./sso-types.ts";
import type { Env } from "../types.ts";

export function ssoPortalAdapter(env: Env = process.env): SsoPortalAdapter {
  const endpoint = endpointOverride("SSO", env);
  const client = (region: string) => new SSOClient({ ...clientConfig(region, endpoint, env), credentials: NO_CREDENTIALS });
  // Discovery (sso sync) is interactive, not on the credential path: the SDK's adaptive retries pace
  // the listing of large organisations instead of failing on the first 429s.
  // One client per region for the whole listing: the adaptive mode's rate limiter lives in the client, so
  // parallel listers share what throttling taught it.
  const listClients = new Map<string, SSOClient>();
  const listClient = (region: string) => {
    let c = listClients.get(region);
    if (!c) {
      const { retryStrategy: _, ...rest } = clientConfig(region, endpoint, env);
      listClients.set(region, (c = new SSOClient({ ...rest, credentials: NO_CREDENTIALS, maxAttempts: 8, retryMode: "adaptive" })));
    }
    return c;
  };
  return {
    async getRoleCredentials(region, accessToken, accountId, roleName) {
      try {
        const out = await client(region).send(new GetRoleCredentialsCommand({ accessToken, accountId, roleName }), callOptions());
        const c = out.roleCredentials;
        if (!c?.accessKeyId || !c.secretAccessKey || !c.sessionToken || !c.expiration) throw new Error("GetRoleCredentials answered without credentials");
        // expiration is epoch milliseconds
        return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: new Date(Number(c.expiration)) };
      } catch (e) {
        throw toSesameError(e, "SSO", "GetRoleCredentials", endpoint);
      }
    },
    async listAccounts(region, accessToken) {
      const out: { accountId: string; accountName: string; emailAddress?: string }[] = [];
      try {
        for await (const page of paginateListAccounts({ client: listClient(region), pageSize: 100 }, { accessToken })) {
          for (const a of page.accountList ?? []) {
            if (a.accountId) out.push({ accountId: a.accountId, accountName: a.accountName ?? a.accountId, ...(a.emailAddress ? { emailAddress: a.emailAddress } : {}) });
          }
        }
      } catch (e) {
        throw toSesameError(e, "SSO", "ListAccounts", endpoint);
      }
      return out;
    },
    async listAccountRoles(region, accessToken, accountId) {
      const out: string[] = [];
      try {
        for await (const page of paginateListAccountRoles({ client: listClient(region), pageSize: 100 }, { accessToken, accountId })) {
          for (const r of page.roleList ?? []) if (r.roleName) out.push(r.roleName);
        }
      } catch (e) {
        throw toSesameError(e, "SSO", "ListAccountRoles", endpoint);
      }
      return out;
    },
    async logout(region, accessToken) {
      try {
        await client(region).send(new LogoutCommand({ accessToken }), callOptions());
      } catch (e) {
        throw toSesameError(e, "SSO", "Logout", endpoint);
      }
    },
  };
}
