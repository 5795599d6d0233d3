// SSO-OIDC (aws-wire.md §3): RegisterClient, StartDeviceAuthorization and CreateToken over rest-json (unsigned),
// plus the browser side that is not in the service model: GET /authorize (the page a browser opens in the
// auth-code + PKCE login) and GET /device (the verification page of the device flow). Tests stand in for the
// user with approveDevice / completeAuthorize (or the /_emulator/sso/ control routes).
import { setTimeout as sleep } from "node:timers/promises";
import { type AwsError, fail } from "./errors.ts";
import * as ids from "./ids.ts";
import { escapeHtml, html } from "./html.ts";
import { restJsonFault, restJsonHandler, type RestJsonOperation, type RestJsonService } from "./rest-json.ts";
import type { BuiltinRoute, EmulatorContext, EmulatorRequest, EmulatorResponse, RouteHandler } from "./router.ts";
import {
  type ApproveOptions,
  GRANT_AUTHORIZATION_CODE,
  GRANT_DEVICE_CODE,
  GRANT_REFRESH_TOKEN,
  GRANT_TYPES,
  type IssuedTokens,
  type SsoClient,
  type SsoState,
  SSO_DEFAULTS,
  s256,
} from "./sso-state.ts";

/** Exception (the `x-amzn-ErrorType`) → OAuth `error` member and HTTP status, from the model (aws-wire.md §3.3). */
const OIDC_ERRORS: Record<string, readonly [oauthError: string, status: number]> = {
  AuthorizationPendingException: ["authorization_pending", 400],
  SlowDownException: ["slow_down", 400],
  ExpiredTokenException: ["expired_token", 400],
  AccessDeniedException: ["access_denied", 400],
  InvalidGrantException: ["invalid_grant", 400],
  InvalidClientException: ["invalid_client", 401],
  UnauthorizedClientException: ["unauthorized_client", 400],
  UnsupportedGrantTypeException: ["unsupported_grant_type", 400],
  InvalidScopeException: ["invalid_scope", 400],
  InvalidRequestException: ["invalid_request", 400],
  InvalidClientMetadataException: ["invalid_client_metadata", 400],
  InvalidRedirectUriException: ["invalid_redirect_uri", 400],
  InternalServerException: ["server_error", 500],
  // Not in the model; what the emulator's generic faults become (rest-json.ts) [unverified].
  TooManyRequestsException: ["too_many_requests", 429],
  ServiceUnavailableException: ["temporarily_unavailable", 503],
};

function oidcFail(exception: keyof typeof OIDC_ERRORS, description: string): never {
  fail(exception, description, OIDC_ERRORS[exception]![1]);
}

/** `FooBarException` → `foo_bar`, for errors outside the table (custom faults). */
const snake = (code: string) =>
  code
    .replace(/Exception$/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase();

export const ssoOidcService: RestJsonService = {
  name: "sso-oidc",
  errorBody: (error: AwsError) => ({ error: OIDC_ERRORS[error.code]?.[0] ?? snake(error.code), error_description: error.message }),
  // As the real service sends it (aws-cli#8561); SDKs keep what precedes the ":" (aws-wire.md §3.5).
  errorTypeSuffix: ":http://internal.amazon.com/coral/com.amazonaws.sso.oidc/",
};

// --- input members -----------------------------------------------------------------------------------------

function str(input: Record<string, unknown>, key: string): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") oidcFail("InvalidRequestException", `Invalid value for ${key}`);
  return v;
}

function required(input: Record<string, unknown>, key: string): string {
  const v = str(input, key);
  if (v === undefined || v === "") oidcFail("InvalidRequestException", `Missing required parameter: ${key}`);
  return v;
}

function strList(input: Record<string, unknown>, key: string): string[] | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) oidcFail("InvalidRequestException", `Invalid value for ${key}`);
  return v as string[];
}

/** Record the non-secret members only: ids, names, grant type, URLs. */
function pick(input: Record<string, unknown>, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = input[k];
    if (typeof v === "string") out[k] = v;
    else if (Array.isArray(v)) out[k] = v.map(String).join(" ");
  }
  return out;
}

function authenticatedClient(sso: SsoState, input: Record<string, unknown>): SsoClient {
  const clientId = required(input, "clientId");
  const clientSecret = required(input, "clientSecret");
  const client = sso.authenticateClient(clientId, clientSecret);
  if (client === "invalid") oidcFail("InvalidClientException", "Invalid client provided");
  if (client === "expired") oidcFail("InvalidClientException", "Client secret has expired");
  return client;
}

/** The emulator's own base URL as the client reached it, for verification URIs. */
function baseUrl(req: EmulatorRequest): string {
  return `http://${req.headers.host ?? "127.0.0.1"}`;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** Public clients may redirect to https anywhere, or to plain http on the loopback interface only (RFC 8252). */
function acceptableRedirectUri(text: string): boolean {
  const u = parseUrl(text);
  if (!u || u.hash !== "") return false;
  return u.protocol === "https:" || (u.protocol === "http:" && LOOPBACK.has(u.hostname));
}

/**
 * RFC 8252 §7.3: a loopback redirect URI registered without a port matches any port, which is how the CLI
 * registers `http://127.0.0.1/oauth/callback` and then listens on a random port. Otherwise the match is exact.
 */
export function redirectUriMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  const r = parseUrl(registered);
  const q = parseUrl(requested);
  if (!r || !q || r.protocol !== "http:" || !LOOPBACK.has(r.hostname) || r.port !== "") return false;
  return q.protocol === r.protocol && q.hostname === r.hostname && q.pathname === r.pathname && q.search === r.search && q.hash === "";
}

function tokenResponse(sso: SsoState, tokens: IssuedTokens) {
  const { accessToken, refreshToken } = tokens;
  return {
    accessToken: accessToken.token,
    tokenType: "Bearer",
    expiresIn: Math.round((accessToken.expiresAt.getTime() - sso.now().getTime()) / 1000),
    ...(refreshToken ? { refreshToken: refreshToken.token } : {}),
  };
}

// --- operations --------------------------------------------------------------------------------------------

const registerClient: RestJsonOperation = {
  name: "RegisterClient",
  params: (_req, input) => pick(input, ["clientName", "clientType", "scopes", "grantTypes", "redirectUris", "issuerUrl"]),
  run(_req, input, ctx) {
    const clientName = required(input, "clientName");
    const clientType = required(input, "clientType");
    const scopes = strList(input, "scopes");
    const redirectUris = strList(input, "redirectUris");
    const grantTypes = strList(input, "grantTypes");
    const issuerUrl = str(input, "issuerUrl");
    if (clientType !== "public") oidcFail("InvalidClientMetadataException", `Invalid client type: ${clientType}`);
    for (const g of grantTypes ?? []) {
      if (!GRANT_TYPES.includes(g)) oidcFail("InvalidClientMetadataException", `Invalid grant type: ${g}`);
    }
    for (const uri of redirectUris ?? []) {
      if (!acceptableRedirectUri(uri)) oidcFail("InvalidRedirectUriException", `Invalid redirect URI: ${uri}`);
    }
    if (grantTypes?.includes(GRANT_AUTHORIZATION_CODE) && !redirectUris?.length) {
      oidcFail("InvalidRequestException", "redirectUris is required for the authorization_code grant");
    }
    const client = ctx.state.sso.registerClient({
      clientName,
      clientType,
      ...(scopes !== undefined ? { scopes } : {}),
      ...(redirectUris !== undefined ? { redirectUris } : {}),
      ...(grantTypes !== undefined ? { grantTypes } : {}),
      ...(issuerUrl !== undefined ? { issuerUrl } : {}),
    });
    return {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      clientIdIssuedAt: client.issuedAt.getTime() / 1000,
      clientSecretExpiresAt: client.secretExpiresAt.getTime() / 1000,
    };
  },
};

const startDeviceAuthorization: RestJsonOperation = {
  name: "StartDeviceAuthorization",
  params: (_req, input) => pick(input, ["clientId", "startUrl"]),
  run(req, input, ctx) {
    const sso = ctx.state.sso;
    const client = authenticatedClient(sso, input);
    const startUrl = required(input, "startUrl");
    if (!sso.allowsGrant(client, GRANT_DEVICE_CODE)) {
      oidcFail("UnauthorizedClientException", "Client is not authorized to use the device code grant");
    }
    const device = sso.startDeviceAuthorization(client, startUrl);
    const verificationUri = `${baseUrl(req)}/device`;
    return {
      deviceCode: device.deviceCode,
      userCode: device.userCode,
      verificationUri,
      verificationUriComplete: `${verificationUri}?user_code=${device.userCode}`,
      expiresIn: Math.round((device.expiresAt.getTime() - device.issuedAt.getTime()) / 1000),
      interval: device.interval,
    };
  },
};

function deviceCodeGrant(sso: SsoState, client: SsoClient, input: Record<string, unknown>): IssuedTokens {
  const deviceCode = required(input, "deviceCode");
  const device = sso.deviceAuthorizations.get(deviceCode);
  if (!device || device.clientId !== client.clientId || device.status === "redeemed") {
    oidcFail("InvalidGrantException", "Invalid grant provided");
  }
  const now = sso.now();
  if (now >= device.expiresAt) oidcFail("ExpiredTokenException", "Device code has expired");
  const last = device.lastPolledAt;
  device.lastPolledAt = now;
  if (last && now.getTime() - last.getTime() < device.interval * 1000) {
    device.interval += SSO_DEFAULTS.slowDownIncrementSeconds;
    oidcFail("SlowDownException", "Client is polling too quickly");
  }
  if (device.status === "denied") oidcFail("AccessDeniedException", "Access denied");
  if (device.status === "pending") oidcFail("AuthorizationPendingException", "Authorization is still pending");
  device.status = "redeemed";
  return sso.signIn(client, device.userName ?? sso.userName, client.scopes);
}

function authorizationCodeGrant(sso: SsoState, client: SsoClient, input: Record<string, unknown>): IssuedTokens {
  const code = sso.authorizationCodes.get(required(input, "code"));
  const redirectUri = required(input, "redirectUri");
  const codeVerifier = required(input, "codeVerifier");
  if (!code || code.redeemed || code.clientId !== client.clientId || sso.now() >= code.expiresAt || code.redirectUri !== redirectUri) {
    oidcFail("InvalidGrantException", "Invalid grant provided");
  }
  // A failed verification leaves the code usable: whoever holds the verifier may still redeem it.
  if (s256(codeVerifier) !== code.codeChallenge) oidcFail("InvalidGrantException", "Code verifier does not match the code challenge");
  code.redeemed = true;
  return sso.signIn(client, code.userName, code.scopes);
}

function refreshTokenGrant(sso: SsoState, client: SsoClient, input: Record<string, unknown>): IssuedTokens {
  const old = sso.usableRefreshToken(required(input, "refreshToken"), client.clientId);
  // The real service's wording (aws-cli#8561).
  if (!old) oidcFail("InvalidGrantException", "Invalid refresh token provided");
  return sso.refresh(client, old);
}

const createToken: RestJsonOperation = {
  name: "CreateToken",
  params: (_req, input) => pick(input, ["clientId", "grantType", "redirectUri"]),
  run(_req, input, ctx) {
    const sso = ctx.state.sso;
    const client = authenticatedClient(sso, input);
    const grantType = required(input, "grantType");
    if (!GRANT_TYPES.includes(grantType)) oidcFail("UnsupportedGrantTypeException", `Unsupported grant type: ${grantType}`);
    if (!sso.allowsGrant(client, grantType)) oidcFail("UnauthorizedClientException", `Client is not authorized to use the ${grantType} grant`);
    // The `scope` member "has no effect" (aws-wire.md §3.1): tokens carry the registered (or authorized) scopes.
    strList(input, "scope");
    const tokens =
      grantType === GRANT_DEVICE_CODE
        ? deviceCodeGrant(sso, client, input)
        : grantType === GRANT_AUTHORIZATION_CODE
          ? authorizationCodeGrant(sso, client, input)
          : refreshTokenGrant(sso, client, input);
    return tokenResponse(sso, tokens);
  },
};

const createTokenWithIam: RestJsonOperation = {
  name: "CreateTokenWithIAM",
  params: (_req, input) => pick(input, ["clientId", "grantType"]),
  run: () => oidcFail("InvalidRequestException", "CreateTokenWithIAM is not emulated"),
};

// --- the browser side: /authorize and /device --------------------------------------------------------------

export type AuthorizeCheck =
  | { kind: "fatal"; message: string }
  | { kind: "error"; redirectUri: string; state?: string; error: string; description: string }
  | { kind: "ok"; client: SsoClient; redirectUri: string; state?: string; codeChallenge: string; scopes: string[] };

/**
 * Validates an /authorize query the way an OAuth server does: an unknown client or redirect URI cannot be
 * redirected to, so it is "fatal" (an error page); anything else wrong goes back to the client as a redirect
 * carrying `error` (RFC 6749 §4.1.2.1). PKCE with S256 is mandatory.
 */
export function checkAuthorizeRequest(sso: SsoState, q: URLSearchParams): AuthorizeCheck {
  const clientId = q.get("client_id") ?? "";
  const client = sso.clients.get(clientId);
  if (!client) return { kind: "fatal", message: `Unknown client_id: ${clientId || "(none)"}` };
  if (sso.now() >= client.secretExpiresAt) return { kind: "fatal", message: "The client registration has expired" };
  const redirectUri = q.get("redirect_uri") ?? "";
  if (!redirectUri || !client.redirectUris.some((r) => redirectUriMatches(r, redirectUri))) {
    return { kind: "fatal", message: `redirect_uri is not registered for this client: ${redirectUri || "(none)"}` };
  }
  const state = q.get("state") ?? undefined;
  const refuse = (error: string, description: string): AuthorizeCheck => ({
    kind: "error",
    redirectUri,
    ...(state !== undefined ? { state } : {}),
    error,
    description,
  });
  if (q.get("response_type") !== "code") return refuse("unsupported_response_type", "response_type must be code");
  if (!sso.allowsGrant(client, GRANT_AUTHORIZATION_CODE)) return refuse("unauthorized_client", "Client is not registered for authorization_code");
  const codeChallenge = q.get("code_challenge") ?? "";
  if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)) return refuse("invalid_request", "code_challenge is missing or malformed");
  if (q.get("code_challenge_method") !== "S256") return refuse("invalid_request", "code_challenge_method must be S256");
  const requested = (q.get("scopes") ?? "").split(/\s+/).filter(Boolean);
  const scopes = requested.length > 0 ? requested : client.scopes;
  const unknown = scopes.filter((s) => !client.scopes.includes(s));
  if (unknown.length > 0) return refuse("invalid_scope", `Scopes not registered for this client: ${unknown.join(" ")}`);
  return { kind: "ok", client, redirectUri, ...(state !== undefined ? { state } : {}), codeChallenge, scopes };
}

function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

/**
 * The user's answer on the /authorize page: the URL the browser is then redirected to,
 * `redirect_uri?code=…&state=…` (or `?error=access_denied&…` when denied). Throws when the request could
 * not be redirected at all (unknown client or redirect URI), as the real page would show an error instead.
 */
export function completeAuthorize(sso: SsoState, authorizeUrl: string, opts: ApproveOptions = {}): string {
  const url = new URL(authorizeUrl, "http://127.0.0.1");
  const check = checkAuthorizeRequest(sso, url.searchParams);
  if (check.kind === "fatal") throw new Error(`authorize request cannot be completed: ${check.message}`);
  if (check.kind === "error") {
    return withQuery(check.redirectUri, { error: check.error, error_description: check.description, state: check.state });
  }
  const userName = sso.checkUserName(opts.userName ?? sso.userName);
  if (opts.deny) {
    return withQuery(check.redirectUri, { error: "access_denied", error_description: "The user denied the request", state: check.state });
  }
  const code = sso.issueAuthorizationCode({
    clientId: check.client.clientId,
    redirectUri: check.redirectUri,
    codeChallenge: check.codeChallenge,
    scopes: check.scopes,
    userName,
  });
  return withQuery(check.redirectUri, { code: code.code, state: check.state });
}

/** GET /authorize: the consent page (200), a redirect with `error` (302), or an error page (400). */
function authorizePage(): RouteHandler {
  return async (req: EmulatorRequest, ctx: EmulatorContext) => {
    const requestId = ids.requestId();
    const q = req.url.searchParams;
    const params: Record<string, string> = {};
    for (const k of ["response_type", "client_id", "redirect_uri", "state", "code_challenge_method", "scopes"]) {
      const v = q.get(k);
      if (v !== null) params[k] = v;
    }
    const answer = (out: EmulatorResponse, errorCode?: string): EmulatorResponse => {
      ctx.record({ service: "sso-oidc", action: "Authorize", params, status: out.status, ...(errorCode ? { errorCode } : {}), requestId });
      return { ...out, headers: { ...out.headers, "x-amzn-RequestId": requestId } };
    };
    const fault = ctx.faults.take("sso-oidc", "Authorize");
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.error) {
      const e = restJsonFault(fault.error);
      return answer(html(e.status, "Error", `<p>${escapeHtml(e.message)}</p>`), e.code);
    }
    const check = checkAuthorizeRequest(ctx.state.sso, q);
    if (check.kind === "fatal") return answer(html(400, "Error", `<p>${escapeHtml(check.message)}</p>`), "invalid_request");
    if (check.kind === "error") {
      const location = withQuery(check.redirectUri, { error: check.error, error_description: check.description, state: check.state });
      return answer(html(302, "Redirecting", `<p><a href="${escapeHtml(location)}">Continue</a></p>`, { Location: location }), check.error);
    }
    return answer(
      html(
        200,
        "Allow access? (emulated IAM Identity Center)",
        `<p>Allow <b>${escapeHtml(check.client.clientName)}</b> to access your data?</p>\n` +
          `<p>Scopes: ${escapeHtml(check.scopes.join(" ") || "(none)")}</p>\n` +
          `<p>This page has no buttons: tests answer for the user with <code>emulator.completeAuthorize(url)</code> or ` +
          `<code>POST /_emulator/sso/authorize {"url": …}</code>, then open the redirect URL they return.</p>`,
      ),
    );
  };
}

/** GET /device: the verification page the device flow sends the user to. Not an API: not logged. */
function devicePage(): RouteHandler {
  return (req, ctx) => {
    const userCode = req.url.searchParams.get("user_code") ?? "";
    const device = userCode ? ctx.state.sso.findDevice(userCode) : undefined;
    const status = device ? `Status: ${device.status}` : userCode ? "Unknown code" : "Enter the code shown by your application";
    return html(
      200,
      "Authorize request (emulated IAM Identity Center)",
      `<p>Code: <b>${escapeHtml(device?.userCode ?? userCode)}</b></p>\n<p>${escapeHtml(status)}</p>\n` +
        `<p>Approve with <code>emulator.approveDevice(code)</code> or <code>POST /_emulator/sso/approve {"userCode": …}</code>.</p>`,
    );
  };
}

export function ssoOidcRoutes(): BuiltinRoute[] {
  const handle = (op: RestJsonOperation) => restJsonHandler(ssoOidcService, op);
  const token = handle(createToken);
  const tokenWithIam = handle(createTokenWithIam);
  return [
    { method: "POST", path: "/client/register", handler: handle(registerClient) },
    { method: "POST", path: "/device_authorization", handler: handle(startDeviceAuthorization) },
    // CreateTokenWithIAM shares the path: `POST /token?aws_iam=t`.
    { method: "POST", path: "/token", handler: (req, ctx) => (req.url.searchParams.has("aws_iam") ? tokenWithIam : token)(req, ctx) },
    { method: "GET", path: "/authorize", handler: authorizePage() },
    { method: "GET", path: "/device", handler: devicePage() },
  ];
}
