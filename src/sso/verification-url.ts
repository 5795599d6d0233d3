// Which verification URL of the device flow sesame shows and opens. The URL comes from the OIDC endpoint;
// a hostile one (a wrong AWS_ENDPOINT_URL_SSO_OIDC, a man in the middle of a proxy) could otherwise send
// the browser an argument such as `--renderer-cmd-prefix=…`, or a phishing page. Only https addresses on
// AWS's sign-in hosts, the host of the catalog's start URL, or the host of the configured SSO-OIDC endpoint
// override pass (plain http only for that override on loopback, which is how the tests run).
const AWS_SUFFIXES = [".amazonaws.com", ".amazonaws.com.cn", ".awsapps.com", ".awsapps.cn", ".app.aws", ".amazonaws-us-gov.com"];
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** The URL, normalised, when it may be shown and opened; undefined otherwise. */
export function checkVerificationUrl(raw: string, startUrl: string, override: string | undefined): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return undefined;
  }
  if (u.username || u.password) return undefined;
  const host = u.hostname.toLowerCase();
  // host and port, as URL normalises them (default ports dropped)
  const hostOf = (s: string | undefined) => {
    try {
      return s ? new URL(s).host.toLowerCase() : undefined;
    } catch {
      return undefined;
    }
  };
  const overrideHost = hostOf(override);
  if (u.protocol === "http:") return LOOPBACK.has(host) && u.host.toLowerCase() === overrideHost && new URL(override!).protocol === "http:" ? u.href : undefined;
  if (u.protocol !== "https:") return undefined;
  if (AWS_SUFFIXES.some((s) => host.endsWith(s)) || u.host.toLowerCase() === hostOf(startUrl) || u.host.toLowerCase() === overrideHost) return u.href;
  return undefined;
}
