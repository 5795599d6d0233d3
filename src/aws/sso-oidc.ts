// Thin adapter over @aws-sdk/client-sso-oidc. Loaded dynamically, only when a login or refresh happens.
import { CreateTokenCommand, RegisterClientCommand, SSOOIDCClient, StartDeviceAuthorizationCommand } from "@aws-sdk/client-sso-oidc";
import { callOptions, clientConfig, NO_CREDENTIALS } from "./client-config.ts";
import { endpointOverride } from "./endpoints.ts";
import { toSesameError } from "./errors.ts";
import { SsoOidcError, type SsoOidcAdapter } from "./sso-types.ts";
import type { Env } from "../types.ts";

const OAUTH_CODES: Record<string, string> = {
  AuthorizationPendingException: "authorization_pending",
  SlowDownException: "slow_down",
  ExpiredTokenException: "expired_token",
  AccessDeniedException: "access_denied",
  InvalidGrantException: "invalid_grant",
  InvalidClientException: "invalid_client",
  UnauthorizedClientException: "unauthorized_client",
  UnsupportedGrantTypeException: "unsupported_grant_type",
  InvalidScopeException: "invalid_scope",
  InvalidRequestException: "invalid_request",
};

export function ssoOidcAdapter(env: Env = process.env): SsoOidcAdapter {
  const endpoint = endpointOverride("SSO_OIDC", env);
  const client = (region: string) => new SSOOIDCClient({ ...clientConfig(region, endpoint, env), credentials: NO_CREDENTIALS });
  const fail = (e: unknown, op: string): never => {
    const name = (e as { name?: string }).name ?? "";
    const oauth = OAUTH_CODES[name];
    if (oauth) throw new SsoOidcError(oauth, ((e as Error).message || name).split("\n")[0]!);
    throw toSesameError(e, "SSO-OIDC", op, endpoint);
  };
  return {
    authorizeBase: (region) => (endpoint ?? `https://oidc.${region}.amazonaws.com`).replace(/\/+$/, ""),
    async registerClient(region, p) {
      try {
        const out = await client(region).send(
          new RegisterClientCommand({ clientName: p.clientName, clientType: "public", scopes: p.scopes, grantTypes: p.grantTypes, redirectUris: p.redirectUris, issuerUrl: p.issuerUrl }),
          callOptions(),
        );
        if (!out.clientId || !out.clientSecret) throw new Error("RegisterClient answered without a client");
        return { clientId: out.clientId, clientSecret: out.clientSecret, expiresAt: Number(out.clientSecretExpiresAt ?? 0) * 1000, grantTypes: p.grantTypes ?? [], scopes: p.scopes };
      } catch (e) {
        return fail(e, "RegisterClient");
      }
    },
    async startDeviceAuthorization(region, c, startUrl) {
      try {
        const out = await client(region).send(new StartDeviceAuthorizationCommand({ clientId: c.clientId, clientSecret: c.clientSecret, startUrl }), callOptions());
        if (!out.deviceCode || !out.userCode || !out.verificationUri) throw new Error("StartDeviceAuthorization answered without a device code");
        return {
          deviceCode: out.deviceCode,
          userCode: out.userCode,
          verificationUri: out.verificationUri,
          verificationUriComplete: out.verificationUriComplete ?? out.verificationUri,
          expiresIn: out.expiresIn ?? 600,
          interval: out.interval ?? 5,
        };
      } catch (e) {
        return fail(e, "StartDeviceAuthorization");
      }
    },
    async createToken(region, c, input) {
      try {
        const out = await client(region).send(new CreateTokenCommand({ clientId: c.clientId, clientSecret: c.clientSecret, ...input }), callOptions());
        if (!out.accessToken) throw new Error("CreateToken answered without a token");
        const grant = { accessToken: out.accessToken, expiresAt: Date.now() + (out.expiresIn ?? 3600) * 1000 };
        return out.refreshToken ? { ...grant, refreshToken: out.refreshToken } : grant;
      } catch (e) {
        return fail(e, "CreateToken");
      }
    },
  };
}
