// The AWS console federation sign-in URL (docs/console.md): session credentials → a sign-in token
// from the federation endpoint → a login URL that opens the console signed in as those credentials.
// Everything here but getSigninToken is pure. The sign-in token and the Session parameter are secrets:
// they are never logged, and no error message carries the URLs that hold them.
import { NOT_STS_NAME_CHAR } from "../catalog/validate.ts";
import { EXIT, SesameError, UsageError } from "../errors.ts";
import type { Credentials, Env } from "../types.ts";
import type { Partition } from "./destination.ts";
export { checkDestination, type Partition } from "./destination.ts";

/**
 * What the credentials are, because it decides whether SessionDuration may be sent:
 * - "role": a role's credentials obtained with long-lived or SSO credentials (IAM Identity Center);
 * - "chained-role": a role assumed with temporary credentials (every sesame assume-role session);
 * - "federation": GetFederationToken credentials (iam-user sessions).
 */
export type CredentialKind = "role" | "chained-role" | "federation";

/** Console sign-in lasts 15 minutes to 12 hours when SessionDuration applies. */
export const SESSION_DURATION_RANGE = [900, 43200] as const;
/** A role assumed with temporary credentials: its console session lasts at most this long. */
export const CHAINED_ROLE_MAX_SECONDS = 3600;
/** GetFederationToken DurationSeconds for an IAM user (STS's range). */
export const FEDERATION_DURATION_RANGE = [900, 129600] as const;
/** The console session of an iam-user session lasts this long unless --duration says otherwise. */
export const DEFAULT_FEDERATION_SECONDS = 3600;

/**
 * The session policy passed to GetFederationToken when no --policy-arn is given. A federated user's
 * permissions are the intersection of the IAM user's own policies and this policy, so "allow everything"
 * here means exactly the user's own permissions — never more (without any policy the session could do
 * nothing at all). --policy-arn narrows it, e.g. to arn:aws:iam::aws:policy/ReadOnlyAccess.
 */
export const USER_PERMISSIONS_POLICY = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });

const HOSTS: Record<Partition, { signin: string; console: string }> = {
  aws: { signin: "https://signin.aws.amazon.com/federation", console: "https://console.aws.amazon.com" },
  "aws-cn": { signin: "https://signin.amazonaws.cn/federation", console: "https://console.amazonaws.cn" },
  "aws-us-gov": { signin: "https://signin.amazonaws-us-gov.com/federation", console: "https://console.amazonaws-us-gov.com" },
};

/** The partition of an ARN when given, else of the region. */
export function partitionOf(region: string, arn?: string): Partition {
  const p = arn?.split(":")[1];
  if (p === "aws" || p === "aws-cn" || p === "aws-us-gov") return p;
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/**
 * The federation endpoint: $SESAME_SIGNIN_URL (tests, a private endpoint), else the partition's sign-in host.
 * The credentials travel in its query string, so it must be https — plain http only to a loopback host.
 */
export function signinEndpoint(partition: Partition, env: Env = {}): string {
  const url = env.SESAME_SIGNIN_URL;
  if (!url) return HOSTS[partition].signin;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError("SESAME_SIGNIN_URL is not a URL", "unset SESAME_SIGNIN_URL, or set it to the https:// URL of a federation endpoint");
  }
  if (u.protocol !== "https:" && !(u.protocol === "http:" && isLoopback(u.hostname))) {
    throw new UsageError(`SESAME_SIGNIN_URL must be an https:// URL (plain http only to 127.0.0.1, ::1 or localhost): the credentials travel in it`, "unset SESAME_SIGNIN_URL, or give an https:// URL");
  }
  if (u.username || u.password) throw new UsageError("SESAME_SIGNIN_URL must not carry a user name or password", "remove the user:password@ part");
  return url;
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Where the console opens by default: its home page in the session's region. */
export function consoleHome(partition: Partition, region: string): string {
  return `${HOSTS[partition].console}/console/home?region=${encodeURIComponent(region)}`;
}

/** GetFederationToken's Name: the session name in STS's character set, 2–32 characters. */
export function federatedUserName(session: string): string {
  let n = session.replace(NOT_STS_NAME_CHAR, "-").slice(0, 32);
  if (n.length < 2) n = `sesame-${n}`.replace(/-$/, "");
  return n;
}

/** The Session parameter: {"sessionId","sessionKey","sessionToken"} as JSON. */
export function sessionJson(c: Credentials): string {
  if (!c.sessionToken) throw new Error("console sign-in needs session credentials (a session token)");
  return JSON.stringify({ sessionId: c.accessKeyId, sessionKey: c.secretAccessKey, sessionToken: c.sessionToken });
}

/**
 * SessionDuration for getSigninToken, or undefined to leave it out. AWS accepts it only for role
 * credentials; GetFederationToken credentials fail with it (their length is DurationSeconds), and
 * role-chained ones are refused too (aws-sso-cli#1247).
 */
export function sessionDurationFor(kind: CredentialKind, requested: number | undefined): number | undefined {
  if (requested === undefined) return undefined;
  if (kind === "chained-role") {
    // Federation caps a role-chained console session at 1 hour, and takes no SessionDuration for it: the
    // console session lasts as long as the role's credentials (the caller says so when they last less).
    if (requested > CHAINED_ROLE_MAX_SECONDS) {
      throw new UsageError(
        `--duration ${requested}: an assume-role session is a role assumed with temporary credentials (role chaining), whose console session federation caps at 1 hour`,
        `ask for ${CHAINED_ROLE_MAX_SECONDS} seconds or less, or leave --duration out`,
      );
    }
    checkRange("--duration", requested, [SESSION_DURATION_RANGE[0], CHAINED_ROLE_MAX_SECONDS]);
    return undefined;
  }
  if (kind === "federation") return undefined;
  checkRange("--duration", requested, SESSION_DURATION_RANGE);
  return requested;
}

export function checkRange(what: string, n: number, [min, max]: readonly [number, number]): void {
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${what} ${n} is outside ${min}–${max} seconds`, `give a whole number of seconds from ${min} to ${max}`);
}

function query(params: [string, string][]): string {
  return params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
}

/** GET this URL for {"SigninToken": …}. It carries the credentials: never print or log it. */
export function signinTokenUrl(endpoint: string, c: Credentials, sessionDuration?: number): string {
  const params: [string, string][] = [["Action", "getSigninToken"]];
  if (sessionDuration !== undefined) params.push(["SessionDuration", String(sessionDuration)]);
  params.push(["Session", sessionJson(c)]);
  return `${endpoint}${endpoint.includes("?") ? "&" : "?"}${query(params)}`;
}

/** The URL that signs the browser in (valid for 15 minutes). It carries the sign-in token: a secret. */
export function loginUrl(endpoint: string, signinToken: string, destination: string, issuer?: string): string {
  const params: [string, string][] = [["Action", "login"]];
  if (issuer) params.push(["Issuer", issuer]);
  params.push(["Destination", destination], ["SigninToken", signinToken]);
  return `${endpoint}${endpoint.includes("?") ? "&" : "?"}${query(params)}`;
}

/**
 * --logout-first: the console's sign-out, which then goes on to the login URL, so that a console session of
 * another account in the same browser does not keep the sign-in from taking over. In the aws partition both
 * go through the us-east-1 sign-in host: only there does the sign-out honour a redirect_uri to a login URL
 * (the known behaviour other console tools rely on; the global host drops it and shows the AWS home page).
 * With SESAME_SIGNIN_URL, its …/federation becomes …/oauth.
 */
export function logoutThenLoginUrl(endpoint: string, signinToken: string, destination: string): string {
  const base = endpoint === HOSTS.aws.signin ? US_EAST_1_SIGNIN : endpoint;
  const next = loginUrl(base, signinToken, destination);
  const oauth = base.split("?")[0]!.replace(/\/federation\/?$/, "/oauth");
  return `${oauth}?${query([["Action", "logout"], ["redirect_uri", next]])}`;
}

const US_EAST_1_SIGNIN = "https://us-east-1.signin.aws.amazon.com/federation";

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; signal?: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }>;

/** The real fetch: proxies, AWS_CA_BUNDLE and a body capped at a few MiB (aws/http.ts). */
function boundedFetchLike(env: Env): FetchLike {
  return async (url, init) => {
    const { boundedFetch } = await import("../aws/http.ts");
    const res = await boundedFetch(url, init, env);
    return { status: res.status, text: async () => new TextDecoder().decode(res.body) };
  };
}

/** Asks the federation endpoint for a sign-in token. Errors name the endpoint's host, never the URL. */
export async function getSigninToken(
  endpoint: string,
  c: Credentials,
  sessionDuration: number | undefined,
  fetchFn?: FetchLike,
  env: Env = process.env,
): Promise<string> {
  const url = signinTokenUrl(endpoint, c, sessionDuration);
  const host = safeHost(endpoint);
  let status: number;
  let body: string;
  try {
    // One deadline for connecting and the whole body: a fast babbler is cut off by the size cap, a slow one by this.
    const res = await (fetchFn ?? boundedFetchLike(env))(url, { method: "GET", headers: { accept: "application/json" }, signal: AbortSignal.timeout(10_000) });
    status = res.status;
    body = await res.text();
  } catch (e) {
    const err = e as { name?: string; message?: string; code?: string; cause?: { code?: string }; proxy?: unknown };
    const via = typeof err.proxy === "string" ? ` through the proxy ${err.proxy}` : "";
    if (err.name === "ResponseTooLarge") {
      throw new SesameError("network", `the AWS sign-in endpoint ${host}${via} ${err.message}: more than a sign-in token can be`, EXIT.awsRefused, "check SESAME_SIGNIN_URL and any proxy: that endpoint is not AWS");
    }
    const why = err.name === "TimeoutError" || err.name === "AbortError" ? "timed out" : (err.code ?? err.cause?.code ?? err.name ?? "error");
    throw new SesameError("network", `cannot reach the AWS sign-in endpoint ${host}${via} (${why})`, EXIT.awsRefused, via ? "check the proxy (HTTPS_PROXY / NO_PROXY) and the network connection" : "check the network connection (and SESAME_SIGNIN_URL if set)");
  }
  if (status === 200) {
    try {
      const token = (JSON.parse(body) as { SigninToken?: unknown }).SigninToken;
      if (typeof token === "string" && token) return token;
    } catch { /* reported below */ }
    throw new SesameError("aws", `the AWS sign-in endpoint ${host} answered without a sign-in token`, EXIT.awsRefused, "try again; if it persists, check SESAME_SIGNIN_URL");
  }
  const text = body.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 160);
  throw new SesameError(
    "aws",
    `the AWS sign-in endpoint ${host} refused the credentials (HTTP ${status}${text ? `: ${text}` : ""})`,
    5,
    status === 400 ? "the credentials may have expired or not be allowed to sign in: run again, or check --duration" : "try again later",
  );
}

function safeHost(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return "(SESAME_SIGNIN_URL)";
  }
}
