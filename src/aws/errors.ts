// SDK exceptions → one-line SesameErrors with a fix for the refusals users actually meet. The fix is
// decided by the AWS error code and the call's context (which operation, whose credentials signed it,
// whether an MFA code was sent), so it names the real session and the real remedy.
import { AwsRefused, EXIT, SesameError } from "../errors.ts";

/** What the caller knows about the call, for the fix. */
export interface CallContext {
  /** the session whose credentials signed the call */
  signer?: string;
  /** the signing credentials are a long-lived access key (an iam-user's stored key) */
  longLived?: boolean;
  /** an MFA code was sent with the call */
  mfa?: boolean;
}

/** AWS refused the credentials sesame served as expired or unknown: the entry must be dropped (credentials/cached.ts). */
export const REVOKED_CODES = new Set(["ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException"]);

function fixFor(code: string, op: string, c: CallContext): string | undefined {
  const who = c.signer ?? "the session";
  const setKey = c.signer ? `sesame secret set ${c.signer}` : "sesame secret set (the iam-user session's name)";
  switch (code) {
    case "InvalidClientTokenId":
      return c.longLived
        ? `the access key stored for ${who} is not known to AWS (deleted or deactivated?): store a current one with ${setKey}`
        : `AWS no longer accepts the temporary credentials of ${who} (revoked): sesame dropped them; run the command again to fetch new ones`;
    case "SignatureDoesNotMatch":
      return c.longLived
        ? `the secret access key stored for ${who} does not match its key id (or the clock is off): store it again with ${setKey}`
        : `the credentials of ${who} were refused as mis-signed: check this machine's clock, then run sesame cache clear`;
    case "ExpiredToken":
    case "ExpiredTokenException":
      return `the credentials of ${who} expired early at AWS: sesame dropped them; run the command again to fetch new ones`;
    case "AccessDenied":
      if (op === "GetSessionToken") {
        return c.mfa
          ? `the MFA code was wrong or already used, or mfa_serial of ${who} is not the user's MFA device: wait for the next code and try again`
          : `the IAM user of ${who} may not call sts:GetSessionToken (an explicit deny?): check the user's policies`;
      }
      if (op === "GetFederationToken") return `the IAM user of ${who} needs sts:GetFederationToken allowed by its policies`;
      if (op === "AssumeRole") return `check the role's trust policy (does it trust the credentials of ${who}?), the external id${c.mfa ? " and the MFA code" : ""}`;
      return undefined;
    case "ValidationError":
      return op === "AssumeRole" ? "check duration_seconds: roles assumed from temporary credentials are capped at 3600" : "check duration_seconds and the session's settings";
    case "Throttling":
    case "ThrottlingException":
    case "TooManyRequestsException":
      return "AWS is rate-limiting these calls: wait a moment and try again";
    case "InternalFailure":
    case "InternalError":
    case "ServiceUnavailable":
      return "a temporary failure at AWS: try again in a minute (https://health.aws.amazon.com shows outages)";
    case "RegionDisabledException":
      return "activate STS in that region (IAM console → Account settings) or set another region";
    case "UnauthorizedException":
      return op === "GetRoleCredentials" ? "the IAM Identity Center sign-in was refused: run sesame login for this session's sso-session" : undefined;
  }
  return undefined;
}

export const CLOCK_FIX = "this machine's clock is off: sync it (e.g. timedatectl set-ntp true) and try again";

const KNOWN_NET = /^(ECONNREFUSED|ENOTFOUND|ECONNRESET|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ConnectionRefused|ConnectionClosed|FailedToOpenSocket|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_HAS_EXPIRED|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/;

const NET_FIX = "check the network connection, any HTTPS_PROXY / NO_PROXY and any AWS_ENDPOINT_URL_* setting";

export function toSesameError(e: unknown, service: string, op: string, endpoint?: string, ctx: CallContext = {}): SesameError {
  if (e instanceof SesameError) return e;
  const err = e as { name?: string; message?: string; code?: string; proxy?: unknown; $metadata?: { httpStatusCode?: number }; $fault?: string; cause?: { code?: string; proxy?: unknown } };
  const at = `${service}${endpoint ? ` at ${endpoint}` : ""}`;
  const proxy = typeof err.proxy === "string" ? err.proxy : typeof err.cause?.proxy === "string" ? err.cause.proxy : undefined;
  const via = proxy ? ` through the proxy ${proxy}` : "";
  const fix = proxy ? `check the proxy ${proxy} (HTTPS_PROXY / HTTP_PROXY, NO_PROXY) and the network connection` : NET_FIX;
  if (err.name === "ResponseTooLarge") {
    return new SesameError("network", `${at}${via} ${err.message} to ${op}: more than an AWS answer can be`, EXIT.awsRefused, "check any AWS_ENDPOINT_URL_* setting and proxy: that endpoint is not AWS");
  }
  const netCode = err.code ?? err.cause?.code;
  if ((err as { sesameNetwork?: boolean }).sesameNetwork && !(netCode && KNOWN_NET.test(netCode))) {
    // a failure fetch names in words only (e.g. a proxy that would not open a tunnel)
    const what = (err.message ?? "").split("\n")[0]!.slice(0, 160);
    return new SesameError("network", `cannot reach ${at}${via} (${what || netCode})`, EXIT.awsRefused, fix);
  }
  if (netCode === "ETIMEDOUT" || err.name === "TimeoutError" || err.name === "AbortError") {
    return new SesameError("network", `${at}${via} did not answer in time (${op})`, EXIT.awsRefused, fix);
  }
  if (netCode && KNOWN_NET.test(netCode)) {
    const tls = /CERT|SIGNATURE/.test(netCode) ? " (a TLS-intercepting proxy needs its CA in AWS_CA_BUNDLE)" : "";
    return new SesameError("network", `cannot reach ${at}${via} (${netCode})`, EXIT.awsRefused, tls ? `${fix}${tls}` : fix);
  }
  if (err.$metadata !== undefined || err.$fault !== undefined) {
    const code = err.name && err.name !== "Error" ? err.name : "UnknownError";
    const msg = (err.message ?? "").replace(/\s+/g, " ").trim();
    // A skew the SDK could not correct from the Date header: the clock is wrong, not the key.
    if (code === "RequestExpired" || code === "RequestTimeTooSkewed" || (code === "SignatureDoesNotMatch" && /signature expired/i.test(msg))) {
      return new AwsRefused(service, op, code, msg, CLOCK_FIX);
    }
    const status = err.$metadata?.httpStatusCode ?? 0;
    const fallback = status >= 500 || err.$fault === "server" ? fixFor("InternalFailure", op, ctx) : undefined;
    return new AwsRefused(service, op, code, msg === code ? "" : msg, fixFor(code, op, ctx) ?? fallback);
  }
  const msg = (err.message ?? String(e)).split("\n")[0] ?? "";
  return new SesameError("network", `${service} ${op} failed${via}: ${msg}`, EXIT.awsRefused, fix);
}
