// web-identity: an OIDC token (Kubernetes/EKS service account, CI job) → STS AssumeRoleWithWebIdentity,
// unsigned. The token is fetched anew on every renewal — a token file is re-read (Kubernetes rotates it),
// a token command re-run, the GitHub Actions token service asked again — and never stored, logged or put
// in argv or the cache identity.
import { readFile } from "node:fs/promises";
import type { Catalog, WebIdentitySession } from "../catalog/types.ts";
import { AwsRefused, EXIT, SesameError } from "../errors.ts";
import { forTerminal } from "../output/sanitize.ts";
import { log } from "../log.ts";
import { stsCallRegion } from "../catalog/catalog.ts";
import { runCommand } from "./run-command.ts";
import { defaultRoleSessionName } from "./session-name.ts";
import type { Credentials, Deps, Provider } from "./types.ts";

export const DEFAULT_AUDIENCE = "sts.amazonaws.com";
const GITHUB_TIMEOUT_MS = 10_000;

export function webIdentity(s: WebIdentitySession, cat: Catalog, d: Deps): Provider {
  return async (): Promise<Credentials> => {
    const token = await webIdentityToken(s, d.env);
    const sts = await d.sts();
    const p = { roleArn: s.role_arn, roleSessionName: s.role_session_name ?? defaultRoleSessionName(d.env), webIdentityToken: token, ...(s.duration_seconds ? { durationSeconds: s.duration_seconds } : {}) };
    try {
      return await sts.assumeRoleWithWebIdentity(stsCallRegion(s, cat), p, s.name);
    } catch (e) {
      throw withFix(e, fixFor(s, e));
    }
  };
}

/** Where the token comes from, for messages. */
export function tokenSource(s: WebIdentitySession): string {
  if (s.web_identity_token_file) return `the token file ${s.web_identity_token_file}`;
  if (s.web_identity_token_command) return `web_identity_token_command`;
  return `the GitHub Actions token service (audience ${s.audience ?? DEFAULT_AUDIENCE})`;
}

function tokenError(s: WebIdentitySession, what: string, fix: string): SesameError {
  return new SesameError("web-identity.token", `no web identity token for "${s.name}": ${what}`, EXIT.needsLogin, fix);
}

async function webIdentityToken(s: WebIdentitySession, env: Record<string, string | undefined>): Promise<string> {
  let token: string;
  if (s.web_identity_token_file) {
    try {
      token = await readFile(s.web_identity_token_file, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "unreadable";
      throw tokenError(s, `cannot read ${forTerminal(s.web_identity_token_file)} (${code})`, `check web_identity_token_file (in Kubernetes: the service account token volume must be mounted there)`);
    }
    log("web identity token read", { hop: s.name, file: s.web_identity_token_file });
  } else if (s.web_identity_token_command) {
    token = await runCommand(s.web_identity_token_command, { key: "web_identity_token_command", session: s.name, env });
    log("web identity token from command", { hop: s.name });
  } else {
    token = await githubActionsToken(s, env);
    log("web identity token from the GitHub Actions token service", { hop: s.name, audience: s.audience ?? DEFAULT_AUDIENCE });
  }
  token = token.trim();
  if (!token) throw tokenError(s, `${tokenSource(s)} gave an empty token`, `check ${s.web_identity_token_file ? "the token file" : s.web_identity_token_command ? "the command: it must print the token on stdout" : "the job's permissions (id-token: write)"}`);
  if (/\s/.test(token)) throw tokenError(s, `${tokenSource(s)} gave more than one token (it contains white space)`, `it must hold only the token`);
  return token;
}

/**
 * The GitHub Actions OIDC token service, as @actions/core getIDToken asks it: GET the request URL with
 * `audience` added, `Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN`, answer `{"value": "<jwt>"}`.
 */
async function githubActionsToken(s: WebIdentitySession, env: Record<string, string | undefined>): Promise<string> {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !bearer) {
    throw tokenError(s, `ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set (not in a GitHub Actions job, or the job may not ask for tokens)`, `give the job "permissions: id-token: write", or set web_identity_token_file or web_identity_token_command`);
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw tokenError(s, `ACTIONS_ID_TOKEN_REQUEST_URL is not a URL`, `leave it as GitHub Actions sets it`);
  }
  u.searchParams.set("audience", s.audience ?? DEFAULT_AUDIENCE);
  const where = `the GitHub Actions token service at ${u.host}`;
  // As every request sesame makes: HTTPS_PROXY / NO_PROXY and AWS_CA_BUNDLE honoured, the answer capped,
  // no redirect followed (a 3xx is an error below).
  const { boundedFetch, viaProxy } = await import("../aws/http.ts");
  let res;
  try {
    res = await boundedFetch(u.toString(), { method: "GET", headers: { Authorization: `Bearer ${bearer}`, Accept: "application/json" }, signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS) }, env);
  } catch (e) {
    if (e instanceof SesameError) throw e; // an unreadable AWS_CA_BUNDLE
    const name = (e as Error).name;
    const what =
      name === "TimeoutError" || name === "AbortError" ? `did not answer within ${GITHUB_TIMEOUT_MS / 1000} s`
      : name === "ResponseTooLarge" ? `${(e as Error).message}: more than a token can be`
      : `cannot be reached${viaProxy(e)} (${forTerminal(((e as Error).message ?? "").split("\n")[0]!.slice(0, 120))})`;
    throw tokenError(s, `${where} ${what}`, viaProxy(e) ? `check the proxy (HTTPS_PROXY, NO_PROXY) and the runner's network` : `try again; check the runner's network`);
  }
  const text = new TextDecoder().decode(res.body).slice(0, 65536);
  if (res.status < 200 || res.status > 299) {
    const fix = res.status === 401 || res.status === 403 ? `give the job "permissions: id-token: write" (ACTIONS_ID_TOKEN_REQUEST_TOKEN was refused)` : `try again; GitHub may be having trouble (https://www.githubstatus.com)`;
    throw tokenError(s, `${where} answered HTTP ${res.status}`, fix);
  }
  try {
    const v = (JSON.parse(text) as { value?: unknown }).value;
    if (typeof v === "string") return v;
  } catch { /* below */ }
  throw tokenError(s, `${where} answered without a token`, `check ACTIONS_ID_TOKEN_REQUEST_URL: it is not the token service`);
}

/** The fix for a refusal of AssumeRoleWithWebIdentity, naming where this session's token comes from. */
function fixFor(s: WebIdentitySession, e: unknown): string | undefined {
  if (!(e instanceof AwsRefused)) return undefined;
  const src = tokenSource(s);
  // The SDK names the errors by their exception class (InvalidIdentityTokenException for InvalidIdentityToken).
  switch (e.awsCode.replace(/Exception$/, "")) {
    case "ExpiredToken":
      return s.web_identity_token_file
        ? `${src} holds an expired token: whatever writes it (the kubelet, the CI job) must renew it; sesame reads it again on every renewal`
        : `${src} gave an expired token: make it hand out a current one`;
    case "InvalidIdentityToken":
      return /audience/i.test(e.message)
        ? `the token's audience is not one the role's OIDC provider accepts: ${s.web_identity_token_file || s.web_identity_token_command ? "issue the token for" : "set audience in the session to"} a client id of that provider (usually sts.amazonaws.com)`
        : `AWS did not accept the token from ${src}: check the OIDC provider in IAM (issuer URL, thumbprint, audiences)`;
    case "IDPRejectedClaim":
    case "AccessDenied":
      return `the trust policy of ${s.role_arn} does not admit this token (check its conditions on sub and aud, and the OIDC provider)`;
    case "IDPCommunicationError":
      return `AWS could not reach the token issuer to check the token: try again`;
    case "ValidationError":
      return `check duration_seconds (at most the role's maximum session duration) and role_session_name`;
  }
  return undefined;
}

/** The same refusal with a fix that knows this session. */
export function withFix(e: unknown, fix: string | undefined): unknown {
  if (!fix || !(e instanceof AwsRefused)) return e;
  const prefix = `${e.service} ${e.operation} refused: ${e.awsCode}`;
  const msg = e.message.startsWith(prefix + ": ") ? e.message.slice(prefix.length + 2) : "";
  return new AwsRefused(e.service, e.operation, e.awsCode, msg, fix);
}
