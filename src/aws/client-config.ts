// Settings every SDK client sesame builds shares. The SDK sets no request timeout by default, so a
// hanging endpoint would hang every AWS tool waiting on credential_process: bound each attempt, and the
// attempts, so a dead endpoint fails in well under 10 s with one line.
export const CONNECT_TIMEOUT_MS = 2000;
export const REQUEST_TIMEOUT_MS = 2500;
export const MAX_ATTEMPTS = 3;

export function clientConfig(region: string, endpoint: string | undefined) {
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
  };
}
