// Text from a server (an OIDC endpoint, a browser's redirect) shown on the terminal: control characters
// (ESC, CR, C1, …) are dropped so that it cannot move the cursor, rewrite lines or set the window title.
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, "");
}
