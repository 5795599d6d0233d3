// IAM Identity Center operations with plain types, so sso/ and credentials/ never import @aws-sdk/*.
import type { Credentials } from "../types.ts";

export interface ClientRegistration {
  clientId: string;
  clientSecret: string;
  /** epoch ms */
  expiresAt: number;
  grantTypes: string[];
  scopes: string[];
}

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  /** seconds */
  expiresIn: number;
  /** seconds */
  interval: number;
}

export interface TokenGrant {
  accessToken: string;
  /** epoch ms */
  expiresAt: number;
  refreshToken?: string;
}

export type CreateTokenInput =
  | { grantType: "urn:ietf:params:oauth:grant-type:device_code"; deviceCode: string }
  | { grantType: "authorization_code"; code: string; redirectUri: string; codeVerifier: string }
  | { grantType: "refresh_token"; refreshToken: string };

export interface SsoOidcAdapter {
  /** the base URL the /authorize page lives under (honours AWS_ENDPOINT_URL_SSO_OIDC) */
  authorizeBase(region: string): string;
  registerClient(region: string, p: { clientName: string; scopes: string[]; grantTypes?: string[]; redirectUris?: string[]; issuerUrl?: string }): Promise<ClientRegistration>;
  startDeviceAuthorization(region: string, client: ClientRegistration, startUrl: string): Promise<DeviceAuthorization>;
  /** OAuth errors come back as SsoOidcError with the OAuth `error` code (authorization_pending, slow_down …) */
  createToken(region: string, client: ClientRegistration, input: CreateTokenInput): Promise<TokenGrant>;
}

export interface SsoPortalAdapter {
  getRoleCredentials(region: string, accessToken: string, accountId: string, roleName: string): Promise<Credentials>;
  listAccounts(region: string, accessToken: string): Promise<{ accountId: string; accountName: string; emailAddress?: string }[]>;
  listAccountRoles(region: string, accessToken: string, accountId: string): Promise<string[]>;
  logout(region: string, accessToken: string): Promise<void>;
}

/** An OAuth-level answer from SSO-OIDC: the code is what decides what the login loop does next. */
export class SsoOidcError extends Error {
  constructor(
    readonly oauthCode: string,
    message: string,
  ) {
    super(message);
  }
}
