// AWS Sign-In's OAuth service, what `aws login` (AWS CLI 2.32+) and the SDKs' login credential provider talk to
// (/work/wt/aws-login-wire.md): CreateOAuth2Token (`POST /v1/token`, unsigned rest-json, every call carrying a
// DPoP proof) plus the browser side outside the model: `GET /v1/authorize` (the consent page of the PKCE flow)
// and `GET /v1/sessions/confirmation` (the page showing the cross-device verification code). Tests answer for
// the user with completeLogin (or POST /_emulator/signin/authorize).
import { createHash, createPublicKey, type KeyObject, verify } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type AwsError, AwsFault, awsError } from "./errors.ts";
import * as ids from "./ids.ts";
import { escapeHtml, html } from "./html.ts";
import type { BuiltinRoute, EmulatorContext, EmulatorRequest, EmulatorResponse, RouteHandler } from "./router.ts";
import {
  CROSS_DEVICE_CLIENT_ID,
  codeChallengeOf,
  DEFAULT_LOGIN_SESSION,
  LOGIN_CLIENT_IDS,
  type LoginRevocation,
  type LoginState,
  type LoginTokenBody,
  SAME_DEVICE_CLIENT_ID,
} from "./signin-oauth-state.ts";

export const SIGNIN_SERVICE = "signin";
export const AUTHORIZE_PATH = "/v1/authorize";
export const TOKEN_PATH = "/v1/token";
export const CONFIRMATION_PATH = "/v1/sessions/confirmation";
/** How far a DPoP proof's `iat` may be from the real wall clock. */
export const DPOP_IAT_WINDOW_SECONDS = 300;

// --- errors ------------------------------------------------------------------------------------------------

/** An AwsError that also carries the OAuth2ErrorCode the body's `error` member shows. */
interface SigninError extends AwsError {
  oauthError: string;
}

/** AccessDeniedException's status depends on the error (the model's "Runtime HTTP Status Code Mapping"). */
const ACCESS_DENIED_STATUS: Record<string, number> = {
  TOKEN_EXPIRED: 401,
  AUTHCODE_EXPIRED: 401,
  USER_CREDENTIALS_CHANGED: 403,
  INSUFFICIENT_PERMISSIONS: 403,
};

function signinError(exception: string, oauthError: string, message: string, status: number): SigninError {
  return { ...awsError(exception, message, status), oauthError };
}

function accessDenied(oauthError: LoginRevocation | "AUTHCODE_EXPIRED", message: string): never {
  throw new AwsFault(signinError("AccessDeniedException", oauthError, message, ACCESS_DENIED_STATUS[oauthError]!));
}

function invalid(message: string): never {
  throw new AwsFault(signinError("ValidationException", "INVALID_REQUEST", message, 400));
}

/**
 * The emulator's generic faults in Sign-In's names: Throttling → TooManyRequestsError 429 (error INVALID_REQUEST,
 * as the model says), InternalFailure → InternalServerException 500 (server_error), ServiceUnavailable → 503
 * (not in the model [unverified]). A custom fault whose code is one of AccessDeniedException's OAuth2ErrorCodes
 * (e.g. INSUFFICIENT_PERMISSIONS) becomes that AccessDeniedException with the fault's status.
 */
function signinFault(error: AwsError): SigninError {
  if (error.code === "Throttling") return signinError("TooManyRequestsError", "INVALID_REQUEST", error.message, 429);
  if (error.code === "InternalFailure") return signinError("InternalServerException", "server_error", error.message, 500);
  if (error.code === "ServiceUnavailable") return signinError("ServiceUnavailableException", "service_unavailable", error.message, 503);
  if (error.code in ACCESS_DENIED_STATUS) return signinError("AccessDeniedException", error.code, error.message, error.status);
  return signinError(error.code, error.status >= 500 ? "server_error" : "INVALID_REQUEST", error.message, error.status);
}

// --- DPoP (RFC 9449) ---------------------------------------------------------------------------------------

/** RFC 7638 thumbprint of an EC public key: base64url(SHA-256 of the canonical {"crv","kty","x","y"}). */
export function jwkThumbprint(jwk: { crv: string; kty: string; x: string; y: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash("sha256").update(canonical).digest("base64url");
}

function jsonPart(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The request URL as the server sees it: the Host the client reached plus the path, without query. */
function ownUrl(req: EmulatorRequest): string {
  return `http://${req.headers.host ?? "127.0.0.1"}${req.path}`;
}

/** `scheme://host[:port]/path`, lower-cased scheme and host, default port dropped; undefined if not a URL. */
function normalUrl(text: string): string | undefined {
  try {
    const u = new URL(text);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return undefined;
  }
}

/**
 * Checks the DPoP proof of one /v1/token request and returns the thumbprint of its key. Each failure names the
 * check: "invalid DPoP proof: <what>" (ValidationException INVALID_REQUEST). A proof is accepted once (`jti`).
 */
export function checkDpopProof(req: EmulatorRequest, seenJtis: Set<string>): string {
  const bad = (what: string): never => invalid(`invalid DPoP proof: ${what}`);
  const proof = req.headers.dpop;
  if (proof === undefined || proof === "") bad("missing DPoP header");
  if (proof!.includes(",")) bad("more than one DPoP header");
  const parts = proof!.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) bad("not a compact JWS");
  const header = jsonPart(parts[0]!) ?? bad("header is not JSON");
  if (header.typ !== "dpop+jwt") bad("typ must be dpop+jwt");
  if (header.alg !== "ES256") bad("alg must be ES256");
  const jwk = header.jwk as Record<string, unknown> | undefined;
  if (!jwk || typeof jwk !== "object" || jwk.kty !== "EC" || jwk.crv !== "P-256" || typeof jwk.x !== "string" || typeof jwk.y !== "string") {
    bad("jwk must be an EC P-256 public key");
  }
  if ("d" in jwk!) bad("jwk must not contain a private key");
  const pub = { kty: "EC", crv: "P-256", x: jwk!.x as string, y: jwk!.y as string };
  let key: KeyObject | undefined;
  try {
    key = createPublicKey({ key: pub, format: "jwk" });
  } catch {
    bad("jwk is not a point on P-256");
  }
  const signature = Buffer.from(parts[2]!, "base64url");
  if (signature.byteLength !== 64) bad("signature must be 64 bytes (ES256 r||s)");
  const signed = verify("sha256", Buffer.from(`${parts[0]}.${parts[1]}`), { key: key!, dsaEncoding: "ieee-p1363" }, signature);
  if (!signed) bad("signature does not verify with the jwk");
  const payload = jsonPart(parts[1]!) ?? bad("payload is not JSON");
  if (payload.htm !== req.method) bad(`htm must be ${req.method}`);
  const expected = ownUrl(req);
  if (typeof payload.htu !== "string" || normalUrl(payload.htu) !== normalUrl(expected)) bad(`htu must be ${expected}`);
  // iat against the REAL wall clock, not the emulator's: tests move the emulator clock, but clients (the SDK,
  // the CLI, sesame) stamp proofs with their own clock, which stays real.
  if (typeof payload.iat !== "number" || Math.abs(payload.iat - Date.now() / 1000) > DPOP_IAT_WINDOW_SECONDS) bad("iat is not fresh");
  if (typeof payload.jti !== "string" || payload.jti === "") bad("jti is missing");
  if (seenJtis.has(payload.jti as string)) bad("jti reused");
  seenJtis.add(payload.jti as string);
  return jwkThumbprint(pub);
}

// --- /v1/token ---------------------------------------------------------------------------------------------

/** The CreateOAuth2TokenRequestBody members, from JSON (camelCase) or a form body (snake_case, also accepted). */
const FORM_NAMES: Record<string, string> = {
  client_id: "clientId",
  grant_type: "grantType",
  code: "code",
  redirect_uri: "redirectUri",
  code_verifier: "codeVerifier",
  refresh_token: "refreshToken",
};

function parseTokenInput(req: EmulatorRequest): Record<string, unknown> {
  const text = Buffer.from(req.body).toString("utf8");
  if ((req.headers["content-type"] ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(text)) out[FORM_NAMES[k] ?? k] = v;
    return out;
  }
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  return invalid("Request body is not a valid JSON object");
}

function required(input: Record<string, unknown>, key: string): string {
  const v = input[key];
  if (v === undefined || v === null || v === "") invalid(`Missing required parameter: ${key}`);
  if (typeof v !== "string") invalid(`Invalid value for ${key}`);
  return v as string;
}

function authorizationCodeGrant(req: EmulatorRequest, ctx: EmulatorContext, input: Record<string, unknown>, jkt: string): LoginTokenBody {
  const login = ctx.state.signin;
  const clientId = required(input, "clientId");
  const codeText = required(input, "code");
  const codeVerifier = required(input, "codeVerifier");
  const redirectUri = required(input, "redirectUri");
  const code = login.authCodes.get(codeText);
  if (!code || code.redeemed || login.now() >= code.expiresAt) accessDenied("AUTHCODE_EXPIRED", "The authorization code is expired or was already used");
  if (code.clientId !== clientId) invalid("The authorization code was issued to another client");
  if (code.redirectUri !== redirectUri) invalid("redirectUri does not match the authorization request");
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(codeVerifier)) invalid("codeVerifier is malformed");
  // A failed verification leaves the code usable: whoever holds the verifier may still redeem it.
  if (codeChallengeOf(codeVerifier) !== code.codeChallenge) invalid("codeVerifier does not match the code challenge");
  code.redeemed = true;
  return login.signIn(code, jkt, `http://${req.headers.host ?? "127.0.0.1"}`);
}

function refreshTokenGrant(ctx: EmulatorContext, input: Record<string, unknown>, jkt: string): LoginTokenBody {
  const login = ctx.state.signin;
  const clientId = required(input, "clientId");
  const old = login.refreshTokens.get(required(input, "refreshToken"));
  const signIn = old && login.signIns.get(old.signInId);
  // [unverified] what AWS answers for a token it never issued; TOKEN_EXPIRED sends the user to `aws login`.
  if (!old || !signIn) accessDenied("TOKEN_EXPIRED", "The refresh token is invalid or expired");
  if (signIn.clientId !== clientId) invalid("The refresh token was issued to another client");
  if (signIn.jkt !== jkt) invalid("invalid DPoP proof: key is not the one the refresh token is bound to (cnf.jkt)");
  if (signIn.revoked) accessDenied(signIn.revoked, `The login session was revoked (${signIn.revoked})`);
  if (login.now() >= signIn.endsAt) accessDenied("TOKEN_EXPIRED", "The login session has expired");
  if (signIn.currentRefreshToken !== old.token) {
    const again = login.graceAnswer(old);
    if (again) return again;
    accessDenied("TOKEN_EXPIRED", "The refresh token was already used");
  }
  return login.refresh(old, signIn);
}

function tokenHandler(): RouteHandler {
  let active = 0;
  return async (req, ctx) => {
    const inFlight = ++active;
    try {
      return await serveToken(req, ctx, inFlight);
    } finally {
      active--;
    }
  };
}

async function serveToken(req: EmulatorRequest, ctx: EmulatorContext, inFlight: number): Promise<EmulatorResponse> {
  const requestId = ids.requestId();
  const params: Record<string, string> = {};
  const answer = (status: number, body: string, headers: Record<string, string>, errorCode?: string): EmulatorResponse => {
    ctx.record({ service: SIGNIN_SERVICE, action: "CreateOAuth2Token", params, status, ...(errorCode ? { errorCode } : {}), requestId, inFlight });
    return { status, headers: { "x-amzn-RequestId": requestId, ...headers }, body };
  };
  const refuse = (e: SigninError) =>
    answer(e.status, JSON.stringify({ error: e.oauthError, message: e.message }), { "Content-Type": "application/json", "x-amzn-ErrorType": e.code }, e.oauthError);

  const fault = ctx.faults.take(SIGNIN_SERVICE, "CreateOAuth2Token");
  if (fault?.delayMs) await sleep(fault.delayMs);
  if (fault?.error) return refuse(signinFault(fault.error));
  if (fault?.hugeBodyBytes) return { status: 200, headers: { "Content-Type": "application/json" }, streamBytes: fault.hugeBodyBytes };

  try {
    const input = parseTokenInput(req);
    // Only names of the grant and the client: never a code, verifier, token or key.
    for (const k of ["grantType", "clientId"]) if (typeof input[k] === "string") params[k] = input[k] as string;
    const jkt = checkDpopProof(req, ctx.state.signin.seenJtis);
    const grantType = required(input, "grantType");
    const clientId = required(input, "clientId");
    if (!LOGIN_CLIENT_IDS.includes(clientId)) invalid(`Unknown clientId: ${clientId}`);
    let out: LoginTokenBody;
    if (grantType === "authorization_code") out = authorizationCodeGrant(req, ctx, input, jkt);
    else if (grantType === "refresh_token") out = refreshTokenGrant(ctx, input, jkt);
    else invalid(`Unsupported grantType: ${grantType}`);
    return answer(200, JSON.stringify(out!), { "Content-Type": "application/json" });
  } catch (e) {
    if (e instanceof AwsFault) return refuse(e.error as SigninError);
    console.error("emulator: signin CreateOAuth2Token crashed:", e);
    return refuse(signinError("InternalServerException", "server_error", "An internal error has occurred", 500));
  }
}

// --- the browser side: /v1/authorize and /v1/sessions/confirmation -----------------------------------------

export type LoginAuthorizeCheck =
  | { kind: "fatal"; message: string }
  | { kind: "error"; redirectUri: string; state?: string; error: string; description: string }
  | { kind: "ok"; clientId: string; redirectUri: string; state: string; codeChallenge: string };

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * Redirect URIs the two devtools clients may use: same-device, the CLI's loopback listener
 * `http://127.0.0.1:PORT/oauth/callback` (or localhost); cross-device, this service's own confirmation page.
 */
function redirectAllowed(clientId: string, redirectUri: string, base: string): boolean {
  const u = parseUrl(redirectUri);
  if (!u || u.hash !== "" || u.search !== "") return false;
  if (clientId === SAME_DEVICE_CLIENT_ID) {
    return u.protocol === "http:" && (u.hostname === "127.0.0.1" || u.hostname === "localhost") && u.pathname === "/oauth/callback";
  }
  return normalUrl(redirectUri) === normalUrl(`${base}${CONFIRMATION_PATH}`);
}

/**
 * Validates a /v1/authorize query: an unknown client or a redirect URI the client may not use is "fatal" (an
 * error page, nothing to redirect to); anything else wrong goes back as a redirect carrying `error`.
 * `base` is the service's own URL as the browser reached it.
 */
export function checkLoginAuthorize(q: URLSearchParams, base: string): LoginAuthorizeCheck {
  const clientId = q.get("client_id") ?? "";
  if (!LOGIN_CLIENT_IDS.includes(clientId)) return { kind: "fatal", message: `Unknown client_id: ${clientId || "(none)"}` };
  const redirectUri = q.get("redirect_uri") ?? "";
  if (!redirectUri || !redirectAllowed(clientId, redirectUri, base)) {
    return { kind: "fatal", message: `redirect_uri is not allowed for this client: ${redirectUri || "(none)"}` };
  }
  const state = q.get("state") ?? undefined;
  const refuse = (error: string, description: string): LoginAuthorizeCheck => ({
    kind: "error",
    redirectUri,
    ...(state !== undefined ? { state } : {}),
    error,
    description,
  });
  if (q.get("response_type") !== "code") return refuse("unsupported_response_type", "response_type must be code");
  if (q.get("code_challenge_method") !== "SHA-256") return refuse("invalid_request", "code_challenge_method must be SHA-256");
  const codeChallenge = q.get("code_challenge") ?? "";
  if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)) return refuse("invalid_request", "code_challenge is missing or malformed");
  if (!(q.get("scope") ?? "").split(" ").includes("openid")) return refuse("invalid_scope", "scope must include openid");
  if (!state) return refuse("invalid_request", "state is required");
  return { kind: "ok", clientId, redirectUri, state, codeChallenge };
}

function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

export interface CompleteLoginOptions {
  /** The console identity that signs in (IAM user or assumed-role ARN); default DEFAULT_LOGIN_SESSION. */
  loginSession?: string;
  /** The user refuses: the browser is sent to `redirect_uri?error=access_denied&state=…`. */
  deny?: boolean;
}

/**
 * The user's answer on the /v1/authorize page at `authorizeUrl` (absolute, or a path of the emulator at
 * `emulatorUrl`): the URL the browser is then sent to, `redirect_uri?code=…&state=…`. Throws when the request
 * cannot be redirected at all (unknown client or redirect URI), as the real page shows an error instead.
 */
export function completeLogin(login: LoginState, authorizeUrl: string, emulatorUrl: string, opts: CompleteLoginOptions = {}): string {
  const url = new URL(authorizeUrl, emulatorUrl);
  const check = checkLoginAuthorize(url.searchParams, url.origin);
  if (check.kind === "fatal") throw new Error(`authorize request cannot be completed: ${check.message}`);
  if (check.kind === "error") {
    return withQuery(check.redirectUri, { error: check.error, error_description: check.description, state: check.state });
  }
  if (opts.deny) {
    return withQuery(check.redirectUri, { error: "access_denied", error_description: "The user denied the request", state: check.state });
  }
  const code = login.issueAuthCode({
    clientId: check.clientId,
    redirectUri: check.redirectUri,
    codeChallenge: check.codeChallenge,
    loginSession: opts.loginSession ?? DEFAULT_LOGIN_SESSION,
  });
  return withQuery(check.redirectUri, { code: code.code, state: check.state });
}

/** The cross-device verification code for a redirect URL: standard base64 of `state=STATE&code=CODE`. */
export function verificationCodeFor(redirectUrl: string): string {
  const q = new URL(redirectUrl).searchParams;
  return verificationCode(q.get("state") ?? "", q.get("code") ?? "");
}

export function verificationCode(state: string, code: string): string {
  return Buffer.from(new URLSearchParams({ state, code }).toString(), "utf8").toString("base64");
}

/** What the CLI does with a pasted verification code (parse_verification_code). */
export function parseVerificationCode(text: string): { state: string; code: string } | undefined {
  const q = new URLSearchParams(Buffer.from(text.trim(), "base64").toString("utf8"));
  const state = q.get("state");
  const code = q.get("code");
  return state && code ? { state, code } : undefined;
}

/** GET /v1/authorize: the consent page (200), a redirect with `error` (302), or an error page (400). */
function authorizePage(): RouteHandler {
  return async (req, ctx) => {
    const requestId = ids.requestId();
    const q = req.url.searchParams;
    const params: Record<string, string> = {};
    for (const [k, name] of [["client_id", "clientId"], ["redirect_uri", "redirectUri"]] as const) {
      const v = q.get(k);
      if (v !== null) params[name] = v;
    }
    const answer = (out: EmulatorResponse, errorCode?: string): EmulatorResponse => {
      ctx.record({ service: SIGNIN_SERVICE, action: "Authorize", params, status: out.status, ...(errorCode ? { errorCode } : {}), requestId });
      return { ...out, headers: { ...out.headers, "x-amzn-RequestId": requestId } };
    };
    const fault = ctx.faults.take(SIGNIN_SERVICE, "Authorize");
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.error) {
      const e = signinFault(fault.error);
      return answer(html(e.status, "Error", `<p>${escapeHtml(e.message)}</p>`), e.code);
    }
    const check = checkLoginAuthorize(q, `http://${req.headers.host ?? "127.0.0.1"}`);
    if (check.kind === "fatal") return answer(html(400, "Error", `<p>${escapeHtml(check.message)}</p>`), "invalid_request");
    if (check.kind === "error") {
      const location = withQuery(check.redirectUri, { error: check.error, error_description: check.description, state: check.state });
      return answer(html(302, "Redirecting", `<p><a href="${escapeHtml(location)}">Continue</a></p>`, { Location: location }), check.error);
    }
    const device = check.clientId === CROSS_DEVICE_CLIENT_ID ? "another device (cross-device)" : "this device";
    return answer(
      html(
        200,
        "Allow AWS CLI access? (emulated AWS Sign-In)",
        `<p>Allow developer tools on ${escapeHtml(device)} to use your console credentials?</p>\n` +
          `<p>This page has no buttons: tests answer for the user with <code>emulator.completeLogin(url)</code> or ` +
          `<code>POST /_emulator/signin/authorize {"url": …}</code>, then open the redirect URL they return.</p>`,
      ),
    );
  };
}

/** GET /v1/sessions/confirmation: shows the cross-device verification code. Not an API: not logged. */
function confirmationPage(): RouteHandler {
  return (req) => {
    const q = req.url.searchParams;
    const error = q.get("error");
    if (error) return html(200, "Sign-in not completed", `<p id="error">${escapeHtml(error)}</p>`);
    const code = q.get("code");
    const state = q.get("state");
    if (!code || !state) return html(400, "Error", "<p>code and state are required</p>");
    return html(
      200,
      "Verification code (emulated AWS Sign-In)",
      `<p>Enter this code in your terminal:</p>\n<p><code id="verification-code">${escapeHtml(verificationCode(state, code))}</code></p>`,
    );
  };
}

export function signinOAuthRoutes(): BuiltinRoute[] {
  return [
    { method: "GET", path: AUTHORIZE_PATH, handler: authorizePage() },
    { method: "GET", path: CONFIRMATION_PATH, handler: confirmationPage() },
    { method: "POST", path: TOKEN_PATH, handler: tokenHandler() },
  ];
}
