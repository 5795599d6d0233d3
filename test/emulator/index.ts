// Public API of the local AWS emulator used by sesame's tests, demos and the runnable server (main.ts).
export { startEmulator } from "./server.ts";
export type { CreatedUser, Emulator, EmulatorOptions } from "./server.ts";
export type { BuiltinRoute, CallRecord, EmulatorContext, EmulatorRequest, EmulatorResponse, RouteHandler } from "./router.ts";
export { FaultQueue } from "./faults.ts";
export type { FaultAction, FaultSpec } from "./faults.ts";
export { type AwsError, AwsFault, awsError, errors } from "./errors.ts";
export {
  Clock,
  DEFAULT_ACCOUNT,
  DEFAULT_MAX_SESSION_DURATION,
  DEFAULT_MFA_CODE,
  EmulatorState,
  parseRoleArn,
} from "./state.ts";
export type { AccessKey, Caller, Identity, IamUser, Role, RoleInput, TemporaryCredential, UserInput } from "./state.ts";
export { authenticate, parseAuthorization, verifySignature, MAX_CLOCK_SKEW_SECONDS } from "./sigv4.ts";
export type { AuthorizationHeader, AuthResult, SignedRequest } from "./sigv4.ts";
export { STS_NAMESPACE, STS_VERSION, errorXml, successXml } from "./sts.ts";
export { CONTROL_PREFIX } from "./control.ts";
export { restJsonFault } from "./rest-json.ts";
export { checkAuthorizeRequest, completeAuthorize, redirectUriMatches, ssoOidcService } from "./sso-oidc.ts";
export { BEARER_HEADER, ssoPortalService } from "./sso-portal.ts";
export {
  ACCOUNT_ACCESS_SCOPE,
  GRANT_AUTHORIZATION_CODE,
  GRANT_DEVICE_CODE,
  GRANT_REFRESH_TOKEN,
  SSO_DEFAULTS,
  SsoState,
  s256,
} from "./sso-state.ts";
export type {
  ApproveOptions,
  AuthorizationCode,
  DeviceAuthorization,
  SsoAccessToken,
  SsoAccount,
  SsoAccountInput,
  SsoClient,
  SsoConfig,
  SsoRefreshToken,
  SsoSession,
} from "./sso-state.ts";
export type { Seed, SeededUser } from "./seed.ts";
export {
  AUTHORIZE_PATH,
  CONFIRMATION_PATH,
  DPOP_IAT_WINDOW_SECONDS,
  SIGNIN_SERVICE,
  TOKEN_PATH,
  checkDpopProof,
  checkLoginAuthorize,
  completeLogin,
  jwkThumbprint,
  parseVerificationCode,
  verificationCode,
  verificationCodeFor,
} from "./signin-oauth.ts";
export type { CompleteLoginOptions, LoginAuthorizeCheck } from "./signin-oauth.ts";
export {
  CROSS_DEVICE_CLIENT_ID,
  DEFAULT_LOGIN_SESSION,
  LOGIN_CLIENT_IDS,
  LOGIN_DEFAULTS,
  LoginState,
  SAME_DEVICE_CLIENT_ID,
  codeChallengeOf,
} from "./signin-oauth-state.ts";
export type {
  LoginAuthCode,
  LoginConfig,
  LoginRefreshToken,
  LoginRevocation,
  LoginSessionView,
  LoginSignIn,
  LoginTokenBody,
} from "./signin-oauth-state.ts";
