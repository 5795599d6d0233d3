// Settings every SDK client sesame builds shares. The SDK sets no request timeout by default, so a
// hanging endpoint would hang every AWS tool waiting on credential_process: each attempt is bounded, and
// each call has an overall deadline, so a dead endpoint fails in under 10 s with one line — while
// throttling and 5xx answers get enough jittered retries inside that deadline to succeed.
import { ConfiguredRetryStrategy } from "@smithy/core/retry";

export const CONNECT_TIMEOUT_MS = 2000;
export const REQUEST_TIMEOUT_MS = 2500;
export const MAX_ATTEMPTS = 6;
/** Jittered exponential backoff capped at 1 s (the SDK's own reaches 20 s), so the retries fit the deadline. */
const backoff = (attempt: number) => Math.random() * Math.min(1000, 100 * 2 ** attempt);
export const CALL_DEADLINE_MS = 8000;

/** The second argument of client.send(): the call's overall deadline. */
export function callOptions(): { abortSignal: AbortSignal } {
  return { abortSignal: AbortSignal.timeout(CALL_DEADLINE_MS) };
}

export function clientConfig(region: string, endpoint: string | undefined) {
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    // Its first argument is the total number of attempts (measured: test/hardening, ATTEMPTS-OFF-BY-ONE).
    retryStrategy: new ConfiguredRetryStrategy(MAX_ATTEMPTS, backoff),
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
  };
}
