// ISO 8601 time to the second ("2026-01-02T03:04:05Z"): the form credential_process, AWS_CREDENTIAL_EXPIRATION
// and the AWS CLI's SSO token cache all use. Milliseconds are dropped, not rounded.
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
