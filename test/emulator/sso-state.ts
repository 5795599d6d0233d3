// IAM Identity Center's world in the emulator (aws-wire.md §2–§4): SSO-OIDC clients, device authorizations,
// authorization codes, sign-in sessions with their access and refresh tokens, and the accounts and roles
// assigned to the signed-in user. Role credentials are issued through EmulatorState, so STS accepts them.
//
// Everything is timed by the emulator clock (EmulatorState.clock): tests expire codes and tokens by advancing it.
import { createHash, randomBytes, randomInt } from "node:crypto";
import type { EmulatorState, Role, TemporaryCredential } from "./state.ts";

export const GRANT_DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code";
export const GRANT_AUTHORIZATION_CODE = "authorization_code";
export const GRANT_REFRESH_TOKEN = "refresh_token";
/** Grant types CreateToken knows (CreateTokenWithIAM's jwt-bearer and token-exchange are not emulated). */
export const GRANT_TYPES: readonly string[] = [GRANT_DEVICE_CODE, GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN];
/** The scope that lets a token call the portal API (what `aws configure sso` registers). */
export const ACCOUNT_ACCESS_SCOPE = "sso:account:access";

/**
 * Defaults. Sources: aws-wire.md §3.2/§9 (device code 600 s, interval 1, token 28800 s, secrets ~90 days);
 * boto3#3768 [observed]: a client registered with scopes gets 1 h access tokens plus a refresh token.
 * Session length 8 h is Identity Center's default session duration; the auth-code lifetime is RFC 6749's
 * recommended maximum [unverified for AWS]; permission sets default to a 1 h session.
 */
export const SSO_DEFAULTS = {
  pageSize: 20,
  deviceCodeLifetimeSeconds: 600,
  deviceIntervalSeconds: 1,
  /** RFC 8628 §3.5: each slow_down adds 5 s to the interval, for that and all later polls. */
  slowDownIncrementSeconds: 5,
  clientSecretLifetimeSeconds: 90 * 86400,
  authCodeLifetimeSeconds: 600,
  /** Lifetime of an access token from a client that gets no refresh token (legacy, unscoped device flow). */
  tokenLifetimeSeconds: 28800,
  /** Lifetime of an access token that comes with a refresh token. */
  refreshableTokenLifetimeSeconds: 3600,
  /** A sign-in session (and so every refresh token of it) ends this long after sign-in. */
  sessionLifetimeSeconds: 28800,
  roleSessionSeconds: 3600,
  userName: "sso-user",
} as const;

export interface SsoClient {
  clientId: string;
  clientSecret: string;
  clientName: string;
  clientType: string;
  scopes: string[];
  redirectUris: string[];
  grantTypes: string[];
  issuerUrl?: string;
  issuedAt: Date;
  secretExpiresAt: Date;
}

export type DeviceStatus = "pending" | "approved" | "denied" | "redeemed";

export interface DeviceAuthorization {
  deviceCode: string;
  /** `ABCD-EFGH`: what the user types (or approveDevice is given). */
  userCode: string;
  clientId: string;
  startUrl: string;
  issuedAt: Date;
  expiresAt: Date;
  /** Current minimum seconds between polls; grows by 5 with every slow_down. */
  interval: number;
  status: DeviceStatus;
  lastPolledAt?: Date;
  /** Who approved (or denied) it. */
  userName?: string;
}

export interface AuthorizationCode {
  code: string;
  clientId: string;
  /** The redirect_uri given at /authorize, which CreateToken must repeat exactly. */
  redirectUri: string;
  /** base64url(SHA-256(code_verifier)) without padding (S256 is the only method accepted). */
  codeChallenge: string;
  scopes: string[];
  userName: string;
  expiresAt: Date;
  redeemed: boolean;
}

/** One sign-in: every token issued from one device/auth-code grant and the refreshes after it. */
export interface SsoSession {
  id: string;
  clientId: string;
  userName: string;
  scopes: string[];
  startedAt: Date;
  /** Refresh tokens of the session stop working here. */
  endsAt: Date;
}

export interface SsoAccessToken {
  token: string;
  sessionId: string;
  clientId: string;
  userName: string;
  scopes: string[];
  issuedAt: Date;
  expiresAt: Date;
  /** Set by Logout (for every token of the session). */
  revoked: boolean;
}

export interface SsoRefreshToken {
  token: string;
  sessionId: string;
  clientId: string;
  issuedAt: Date;
  expiresAt: Date;
  /** Set by Logout, or when a refresh rotated it out. */
  revoked: boolean;
}

export interface SsoAccount {
  accountId: string;
  accountName: string;
  emailAddress: string;
  /** Permission-set names assigned to the user in this account, in listing order. */
  roles: string[];
}

export interface SsoAccountInput {
  accountId: string;
  accountName: string;
  email?: string;
  roles: string[];
}

export interface RegisterClientInput {
  clientName: string;
  clientType: string;
  scopes?: string[];
  redirectUris?: string[];
  grantTypes?: string[];
  issuerUrl?: string;
}

export interface ApproveOptions {
  /** Refuse instead of approve: CreateToken then answers AccessDeniedException (device) or the redirect carries error=access_denied. */
  deny?: boolean;
  /** The Identity Center user who signs in; default SsoState.userName. Becomes the role session name. */
  userName?: string;
}

/** Tunables, as the control API and seed files set them (all optional; `tokenLifetimeSeconds: null` restores the default). */
export interface SsoConfig {
  pageSize?: number;
  tokenLifetimeSeconds?: number | null;
  rotateRefreshTokens?: boolean;
  deviceCodeLifetimeSeconds?: number;
  deviceIntervalSeconds?: number;
  clientSecretLifetimeSeconds?: number;
  sessionLifetimeSeconds?: number;
  roleSessionSeconds?: number;
  userName?: string;
}

export interface IssuedTokens {
  accessToken: SsoAccessToken;
  refreshToken?: SsoRefreshToken;
}

const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"; // RFC 8628 §6.1: no vowels, no look-alikes
const PERMISSION_SET_NAME = /^[\w+=,.@-]{1,32}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

const b64url = (bytes: number): string => randomBytes(bytes).toString("base64url");
const userCodeHalf = (): string => Array.from({ length: 4 }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join("");
const later = (from: Date, seconds: number): Date => new Date(from.getTime() + seconds * 1000);

/** base64url(SHA-256(verifier)) without padding: the S256 code_challenge of RFC 7636. */
export function s256(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

export class SsoState {
  readonly clients = new Map<string, SsoClient>();
  /** By device code. */
  readonly deviceAuthorizations = new Map<string, DeviceAuthorization>();
  readonly authorizationCodes = new Map<string, AuthorizationCode>();
  readonly sessions = new Map<string, SsoSession>();
  readonly accessTokens = new Map<string, SsoAccessToken>();
  readonly refreshTokens = new Map<string, SsoRefreshToken>();
  /** By account id, in insertion order (the listing order). */
  readonly accounts = new Map<string, SsoAccount>();

  /** ListAccounts / ListAccountRoles page size when the caller gives no max_result. */
  pageSize: number = SSO_DEFAULTS.pageSize;
  /** When set, every access token lives this long; otherwise 1 h with a refresh token, 8 h without. */
  tokenLifetimeOverride: number | undefined;
  /** A refresh hands out a new refresh token and retires the old one (true), or returns the same one (false). */
  rotateRefreshTokens = true;
  deviceCodeLifetimeSeconds: number = SSO_DEFAULTS.deviceCodeLifetimeSeconds;
  deviceIntervalSeconds: number = SSO_DEFAULTS.deviceIntervalSeconds;
  clientSecretLifetimeSeconds: number = SSO_DEFAULTS.clientSecretLifetimeSeconds;
  sessionLifetimeSeconds: number = SSO_DEFAULTS.sessionLifetimeSeconds;
  /** Lifetime of GetRoleCredentials credentials (the permission set's session duration). */
  roleSessionSeconds: number = SSO_DEFAULTS.roleSessionSeconds;
  /** Default user that approves devices and authorization requests. */
  userName: string = SSO_DEFAULTS.userName;

  constructor(private readonly iam: EmulatorState) {}

  now(): Date {
    return this.iam.now();
  }

  setPageSize(size: number): void {
    this.pageSize = pageSize(size);
  }

  setTokenLifetime(seconds: number | undefined): void {
    this.tokenLifetimeOverride = seconds === undefined ? undefined : positive("token lifetime", seconds);
  }

  /** Applies the given settings, all validated first so that a bad one changes nothing. */
  configure(config: SsoConfig): void {
    const updates: (() => void)[] = [];
    const seconds = (key: keyof SsoConfig, apply: (n: number) => void) => {
      const v = config[key];
      if (v === undefined) return;
      if (typeof v !== "number") throw new Error(`${key} must be a number`);
      const n = positive(key, v);
      updates.push(() => apply(n));
    };
    if (config.pageSize !== undefined) {
      const size = pageSize(config.pageSize);
      updates.push(() => (this.pageSize = size));
    }
    if (config.tokenLifetimeSeconds === null) updates.push(() => (this.tokenLifetimeOverride = undefined));
    else seconds("tokenLifetimeSeconds", (n) => (this.tokenLifetimeOverride = n));
    seconds("deviceCodeLifetimeSeconds", (n) => (this.deviceCodeLifetimeSeconds = n));
    seconds("deviceIntervalSeconds", (n) => (this.deviceIntervalSeconds = n));
    seconds("clientSecretLifetimeSeconds", (n) => (this.clientSecretLifetimeSeconds = n));
    seconds("sessionLifetimeSeconds", (n) => (this.sessionLifetimeSeconds = n));
    seconds("roleSessionSeconds", (n) => (this.roleSessionSeconds = n));
    if (config.rotateRefreshTokens !== undefined) {
      const rotate = config.rotateRefreshTokens;
      if (typeof rotate !== "boolean") throw new Error("rotateRefreshTokens must be a boolean");
      updates.push(() => (this.rotateRefreshTokens = rotate));
    }
    if (config.userName !== undefined) {
      const userName = this.checkUserName(String(config.userName));
      updates.push(() => (this.userName = userName));
    }
    for (const apply of updates) apply();
  }

  /** The current settings, in SsoConfig's shape. */
  config(): Required<SsoConfig> {
    return {
      pageSize: this.pageSize,
      tokenLifetimeSeconds: this.tokenLifetimeOverride ?? null,
      rotateRefreshTokens: this.rotateRefreshTokens,
      deviceCodeLifetimeSeconds: this.deviceCodeLifetimeSeconds,
      deviceIntervalSeconds: this.deviceIntervalSeconds,
      clientSecretLifetimeSeconds: this.clientSecretLifetimeSeconds,
      sessionLifetimeSeconds: this.sessionLifetimeSeconds,
      roleSessionSeconds: this.roleSessionSeconds,
      userName: this.userName,
    };
  }

  // --- clients -----------------------------------------------------------------------------------------------

  registerClient(input: RegisterClientInput): SsoClient {
    const issuedAt = this.now();
    const clientId = b64url(16);
    const client: SsoClient = {
      clientId,
      // Real secrets are long JWT-like strings; only their opacity matters to clients.
      clientSecret: `eyJraWQiOiJrZXktZW11bGF0b3IiLCJhbGciOiJIUzM4NCJ9.${Buffer.from(JSON.stringify({ clientId })).toString("base64url")}.${b64url(48)}`,
      clientName: input.clientName,
      clientType: input.clientType,
      scopes: input.scopes ?? [],
      redirectUris: input.redirectUris ?? [],
      grantTypes: input.grantTypes ?? [],
      ...(input.issuerUrl !== undefined ? { issuerUrl: input.issuerUrl } : {}),
      // Whole seconds: the response carries epoch seconds, keep the stored instant identical.
      issuedAt: new Date(Math.floor(issuedAt.getTime() / 1000) * 1000),
      secretExpiresAt: new Date(Math.floor(issuedAt.getTime() / 1000) * 1000 + this.clientSecretLifetimeSeconds * 1000),
    };
    this.clients.set(clientId, client);
    return client;
  }

  /** The client if id and secret match; "expired" once the secret is past clientSecretExpiresAt. */
  authenticateClient(clientId: unknown, clientSecret: unknown): SsoClient | "invalid" | "expired" {
    const client = typeof clientId === "string" ? this.clients.get(clientId) : undefined;
    if (!client || client.clientSecret !== clientSecret) return "invalid";
    return this.now() >= client.secretExpiresAt ? "expired" : client;
  }

  /** A client registered with grantTypes may use only those; one registered without may use the device flow and refresh. */
  allowsGrant(client: SsoClient, grantType: string): boolean {
    if (client.grantTypes.length > 0) return client.grantTypes.includes(grantType);
    return grantType === GRANT_DEVICE_CODE || grantType === GRANT_REFRESH_TOKEN;
  }

  /** Scoped clients (sso-session logins) and clients registered for refresh_token get refresh tokens (boto3#3768). */
  issuesRefreshTokens(client: SsoClient): boolean {
    return client.scopes.length > 0 || client.grantTypes.includes(GRANT_REFRESH_TOKEN);
  }

  tokenLifetimeFor(client: SsoClient): number {
    if (this.tokenLifetimeOverride !== undefined) return this.tokenLifetimeOverride;
    return this.issuesRefreshTokens(client) ? SSO_DEFAULTS.refreshableTokenLifetimeSeconds : SSO_DEFAULTS.tokenLifetimeSeconds;
  }

  // --- device authorization ----------------------------------------------------------------------------------

  startDeviceAuthorization(client: SsoClient, startUrl: string): DeviceAuthorization {
    const issuedAt = this.now();
    let userCode: string;
    do userCode = `${userCodeHalf()}-${userCodeHalf()}`;
    while (this.findDevice(userCode));
    const device: DeviceAuthorization = {
      deviceCode: b64url(48),
      userCode,
      clientId: client.clientId,
      startUrl,
      issuedAt,
      expiresAt: later(issuedAt, this.deviceCodeLifetimeSeconds),
      interval: this.deviceIntervalSeconds,
      status: "pending",
    };
    this.deviceAuthorizations.set(device.deviceCode, device);
    return device;
  }

  /** Looks a device authorization up by user code, as a user would type it (any case, hyphen optional). */
  findDevice(userCode: string): DeviceAuthorization | undefined {
    const wanted = userCode.toUpperCase().replace(/[^A-Z]/g, "");
    for (const d of this.deviceAuthorizations.values()) if (d.userCode.replace("-", "") === wanted) return d;
    return undefined;
  }

  /** What the user does in the browser at verificationUriComplete. Throws on a test mistake. */
  approveDevice(userCode: string, opts: ApproveOptions = {}): DeviceAuthorization {
    const device = this.findDevice(userCode);
    if (!device) throw new Error(`no device authorization with user code ${userCode}`);
    if (this.now() >= device.expiresAt) throw new Error(`device authorization ${device.userCode} has expired`);
    if (device.status !== "pending") throw new Error(`device authorization ${device.userCode} is already ${device.status}`);
    const userName = this.checkUserName(opts.userName ?? this.userName);
    device.status = opts.deny ? "denied" : "approved";
    device.userName = userName;
    return device;
  }

  // --- authorization codes -----------------------------------------------------------------------------------

  issueAuthorizationCode(input: Omit<AuthorizationCode, "code" | "expiresAt" | "redeemed">): AuthorizationCode {
    const code: AuthorizationCode = {
      ...input,
      code: b64url(32),
      expiresAt: later(this.now(), SSO_DEFAULTS.authCodeLifetimeSeconds),
      redeemed: false,
    };
    this.authorizationCodes.set(code.code, code);
    return code;
  }

  // --- sessions and tokens -----------------------------------------------------------------------------------

  /** A new sign-in session for a redeemed device code or authorization code, with its first tokens. */
  signIn(client: SsoClient, userName: string, scopes: string[]): IssuedTokens {
    const startedAt = this.now();
    const session: SsoSession = {
      id: b64url(12),
      clientId: client.clientId,
      userName,
      scopes,
      startedAt,
      endsAt: later(startedAt, this.sessionLifetimeSeconds),
    };
    this.sessions.set(session.id, session);
    const accessToken = this.issueAccessToken(client, session);
    if (!this.issuesRefreshTokens(client)) return { accessToken };
    return { accessToken, refreshToken: this.issueRefreshToken(session, session.endsAt) };
  }

  /** A refresh token still usable by this client: known, not revoked or rotated out, not expired. */
  usableRefreshToken(token: unknown, clientId: string): SsoRefreshToken | undefined {
    const found = typeof token === "string" ? this.refreshTokens.get(token) : undefined;
    if (!found || found.revoked || found.clientId !== clientId || this.now() >= found.expiresAt) return undefined;
    return found;
  }

  /** Redeems a usable refresh token: a new access token, and a rotated (or the same) refresh token. */
  refresh(client: SsoClient, old: SsoRefreshToken): IssuedTokens {
    const session = this.sessions.get(old.sessionId);
    if (!session) throw new Error(`refresh token without a session: ${old.sessionId}`);
    const accessToken = this.issueAccessToken(client, session);
    if (!this.rotateRefreshTokens) return { accessToken, refreshToken: old };
    old.revoked = true;
    return { accessToken, refreshToken: this.issueRefreshToken(session, old.expiresAt) };
  }

  /** The access token if it may call the portal now: known, not revoked, not expired. */
  usableAccessToken(token: string | undefined): SsoAccessToken | undefined {
    const found = token !== undefined ? this.accessTokens.get(token) : undefined;
    if (!found || found.revoked || this.now() >= found.expiresAt) return undefined;
    return found;
  }

  /** Logout: ends the session of this token, revoking every access and refresh token issued in it. */
  logout(token: SsoAccessToken): void {
    for (const t of this.accessTokens.values()) if (t.sessionId === token.sessionId) t.revoked = true;
    for (const t of this.refreshTokens.values()) if (t.sessionId === token.sessionId) t.revoked = true;
  }

  /** Makes every access token issued so far expire now; returns how many were still live. */
  expireAccessTokens(): number {
    return expireAll(this.accessTokens.values(), this.now());
  }

  /** Makes every refresh token issued so far expire now (as if the sessions ended); returns how many were still live. */
  expireRefreshTokens(): number {
    return expireAll(this.refreshTokens.values(), this.now());
  }

  // --- accounts, roles and role credentials ------------------------------------------------------------------

  /** Assigns an account (and its permission sets) to the user; adding an existing account id replaces it. */
  addAccount(input: SsoAccountInput): SsoAccount {
    if (!/^\d{12}$/.test(input.accountId)) throw new Error(`invalid account id: ${input.accountId}`);
    if (!input.accountName) throw new Error("accountName is required");
    if (!Array.isArray(input.roles)) throw new Error("roles must be a list of permission-set names");
    for (const role of input.roles) {
      if (typeof role !== "string" || !PERMISSION_SET_NAME.test(role)) throw new Error(`invalid permission-set name: ${String(role)}`);
    }
    const account: SsoAccount = {
      accountId: input.accountId,
      accountName: input.accountName,
      emailAddress: input.email ?? `aws+${input.accountId}@example.com`,
      roles: [...new Set(input.roles)],
    };
    this.accounts.set(account.accountId, account);
    for (const role of account.roles) this.iamRole(account.accountId, role);
    return account;
  }

  /** The IAM role Identity Center provisions for a permission set: AWSReservedSSO_<name>_<16 hex>, stable per account. */
  iamRole(accountId: string, permissionSet: string): Role {
    const suffix = createHash("sha256").update(`${accountId}/${permissionSet}`).digest("hex").slice(0, 16);
    const arn = `arn:aws:iam::${accountId}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_${permissionSet}_${suffix}`;
    // Trust nobody through sts:AssumeRole: the real role trusts only Identity Center's SAML provider.
    return this.iam.roles.get(arn) ?? this.iam.addRole({ arn, trust: [], maxSessionDuration: 43200 });
  }

  /** Temporary credentials acting as `assumed-role/AWSReservedSSO_<role>_<hex>/<user>`, valid for STS. */
  issueRoleCredentials(token: SsoAccessToken, accountId: string, permissionSet: string): TemporaryCredential {
    const role = this.iamRole(accountId, permissionSet);
    return this.iam.issueTemporary({
      identity: this.iam.assumedRoleIdentity(role, token.userName),
      source: "sso",
      durationSeconds: this.roleSessionSeconds,
      chained: false,
      mfaAuthenticated: false,
    });
  }

  checkUserName(userName: string): string {
    if (!SESSION_NAME.test(userName)) throw new Error(`invalid user name (it becomes a role session name): ${userName}`);
    return userName;
  }

  private issueAccessToken(client: SsoClient, session: SsoSession): SsoAccessToken {
    const issuedAt = this.now();
    const token: SsoAccessToken = {
      token: `aoa${b64url(96)}`,
      sessionId: session.id,
      clientId: client.clientId,
      userName: session.userName,
      scopes: session.scopes,
      issuedAt,
      expiresAt: later(issuedAt, this.tokenLifetimeFor(client)),
      revoked: false,
    };
    this.accessTokens.set(token.token, token);
    return token;
  }

  private issueRefreshToken(session: SsoSession, expiresAt: Date): SsoRefreshToken {
    const token: SsoRefreshToken = {
      token: `aor${b64url(96)}`,
      sessionId: session.id,
      clientId: session.clientId,
      issuedAt: this.now(),
      expiresAt,
      revoked: false,
    };
    this.refreshTokens.set(token.token, token);
    return token;
  }
}

function pageSize(size: number): number {
  // max_result is 1–100 in the model; a default outside that would be a page no caller could ask for.
  if (!Number.isInteger(size) || size < 1 || size > 100) throw new Error(`SSO page size must be 1–100, got ${size}`);
  return size;
}

function positive(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number of seconds, got ${n}`);
  return n;
}

function expireAll(tokens: Iterable<{ expiresAt: Date; revoked: boolean }>, now: Date): number {
  let count = 0;
  for (const t of tokens) {
    if (t.revoked || t.expiresAt <= now) continue;
    t.expiresAt = now;
    count += 1;
  }
  return count;
}
