// SDK exceptions → one-line SesameErrors with a fix for the refusals users actually meet.
import { AwsRefused, SesameError } from "../errors.ts";

const FIXES: Record<string, string> = {
  InvalidClientTokenId: "the stored access key is not known to AWS: store the right one with sesame secret set NAME",
  SignatureDoesNotMatch: "the stored secret access key does not match its key id (or the clock is off): store it again with sesame secret set NAME",
  ExpiredToken: "the source credentials expired: run the command again (sesame fetches new ones)",
  AccessDenied: "check the role's trust policy, the external id and the MFA device",
  ValidationError: "check duration_seconds: roles assumed from temporary credentials are capped at 3600",
  Throttling: "AWS is rate-limiting these calls: wait a moment and try again",
  RegionDisabledException: "activate STS in that region (IAM console → Account settings) or set another region",
};

export const CLOCK_FIX = "this machine's clock is off: sync it (e.g. timedatectl set-ntp true) and try again";

export function toSesameError(e: unknown, service: string, op: string, endpoint?: string): SesameError {
  if (e instanceof SesameError) return e;
  const err = e as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number }; $fault?: string };
  const netCode = err.code ?? (err as { cause?: { code?: string } }).cause?.code;
  if (netCode === "ETIMEDOUT" || err.name === "TimeoutError" || err.name === "AbortError") {
    return new SesameError("network", `${service}${endpoint ? ` at ${endpoint}` : ""} did not answer in time (${op})`, 5, "check the network connection and any AWS_ENDPOINT_URL_* setting");
  }
  if (netCode && /^(ECONNREFUSED|ENOTFOUND|ECONNRESET|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(netCode)) {
    return new SesameError("network", `cannot reach ${service}${endpoint ? ` at ${endpoint}` : ""} (${netCode})`, 5, "check the network connection and any AWS_ENDPOINT_URL_* setting");
  }
  if (err.$metadata !== undefined || err.$fault !== undefined) {
    const code = err.name && err.name !== "Error" ? err.name : "UnknownError";
    const msg = (err.message ?? "").replace(/\s+/g, " ").trim();
    // A skew the SDK could not correct from the Date header: the clock is wrong, not the key.
    if (code === "RequestExpired" || code === "RequestTimeTooSkewed" || (code === "SignatureDoesNotMatch" && /signature expired/i.test(msg))) {
      return new AwsRefused(service, op, code, msg, CLOCK_FIX);
    }
    return new AwsRefused(service, op, code, msg === code ? "" : msg, FIXES[code]);
  }
  const msg = (err.message ?? String(e)).split("\n")[0] ?? "";
  return new SesameError("network", `${service} ${op} failed: ${msg}`, 5, "check the network connection and any AWS_ENDPOINT_URL_* setting");
}
