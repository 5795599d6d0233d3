// Public API of the local AWS emulator used by sesame's tests, demos and the runnable server (main.ts).
export { startEmulator } from "./server.ts";
export type { CreatedUser, Emulator, EmulatorOptions } from "./server.ts";
export type { CallRecord, EmulatorContext, EmulatorRequest, EmulatorResponse, RouteHandler } from "./router.ts";
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
export type { Seed, SeededUser } from "./seed.ts";
