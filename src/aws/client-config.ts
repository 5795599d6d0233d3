// Settings every SDK client sesame builds shares. The SDK sets no request timeout by default, so a
// hanging endpoint would hang every AWS tool waiting on credential_process: each attempt is bounded, and
// each call has an overall deadline, so a dead endpoint fails in under 10 s with one line — while
// throttling and 5xx answers get enough jittered retries inside that deadline to succeed.
//
// Nothing here may come from the shared AWS config or credentials files, nor from AWS_PROFILE: every
// setting the SDK would otherwise load from them (endpoint_url, services, retry_mode, max_attempts,
// use_fips_endpoint, defaults_mode, sdk_ua_app_id, credentials …) is given explicitly, and configured
// endpoint URLs are ignored (sesame decides its endpoints itself: aws/endpoints.ts). Checked against the
// SDK's runtimeConfig.js of client-sts, client-sso, client-sso-oidc and nested-clients/signin;
// test/e2e/network.test.ts shows it.
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { SesameHttpHandler } from "./http.ts";
import type { Env } from "../types.ts";

export const REQUEST_TIMEOUT_MS = 2500;
export const MAX_ATTEMPTS = 6;
/** Jittered exponential backoff capped at 1 s (the SDK's own reaches 20 s), so the retries fit the deadline. */
const backoff = (attempt: number) => Math.random() * Math.min(1000, 100 * 2 ** attempt);
export const CALL_DEADLINE_MS = 8000;

/** The second argument of client.send(): the call's overall deadline. */
export function callOptions(): { abortSignal: AbortSignal } {
  return { abortSignal: AbortSignal.timeout(CALL_DEADLINE_MS) };
}

/** For clients whose operations are unsigned (SSO, SSO-OIDC): never fall back to the SDK's credential chain. */
export const NO_CREDENTIALS = async (): Promise<never> => {
  throw new Error("sesame gives this client no credentials");
};

export function clientConfig(region: string, endpoint: string | undefined, env: Env = process.env) {
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    ignoreConfiguredEndpointUrls: true,
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    defaultsMode: "legacy" as const,
    maxAttempts: MAX_ATTEMPTS,
    retryMode: "standard",
    authSchemePreference: [] as string[],
    sigv4aSigningRegionSet: [] as string[],
    userAgentAppId: "sesame",
    disableClockSkewCorrection: false,
    credentialDefaultProvider: () => NO_CREDENTIALS,
    // Its first argument is the total number of attempts (measured: test/hardening, ATTEMPTS-OFF-BY-ONE).
    retryStrategy: new ConfiguredRetryStrategy(MAX_ATTEMPTS, backoff),
    // fetch-based: proxies, AWS_CA_BUNDLE and a capped body (aws/http.ts). One attempt is bounded by
    // REQUEST_TIMEOUT_MS from connecting to the last byte.
    requestHandler: new SesameHttpHandler(env, REQUEST_TIMEOUT_MS),
  };
}
