// Endpoint overrides, read exactly as the AWS SDKs read them: the service variable beats AWS_ENDPOINT_URL,
// and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns both off.
import type { Env } from "../types.ts";
export type ServiceVar = "STS" | "SSO" | "SSO_OIDC" | "ROLESANYWHERE" | "SIGNIN";

export function endpointOverride(service: ServiceVar, env: Env = process.env): string | undefined {
  if ((env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? "").toLowerCase() === "true") return undefined;
  return env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
}
