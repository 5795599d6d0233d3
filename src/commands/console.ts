// sesame console NAME [--print] [--service S | --destination URL] [--region R] [--browser TEMPLATE]
// [--duration SECONDS] [--logout-first] [--policy-arn ARN]…: the AWS console, signed in as the session,
// through a federation sign-in URL (docs/console.md).
//
// Which credentials sign in:
//   - sso and assume-role sessions: the session's own credentials (resolved and cached like any other use);
//   - iam-user sessions: the console takes no long-lived keys and no GetSessionToken credentials, so sesame
//     calls GetFederationToken with the user's key (Name = the session name). Its session policy is "allow
//     everything", which the IAM user's own policies intersect: the console can do what the user can, never
//     more. --policy-arn (repeatable) replaces it with managed policies, e.g. ReadOnlyAccess, to narrow it.
//     The console session lasts --duration (default 1 hour, at most 36 hours); it is not MFA-authenticated,
//     because GetFederationToken takes no MFA code.
// --duration for an sso session is the console session's length (SessionDuration, 15 min – 12 h); an
// assume-role session's console session lasts as long as its credentials, at most 1 hour (AWS refuses
// SessionDuration for roles assumed with temporary credentials, which is what every sesame assume-role
// session is): more is refused, and a shorter remaining lifetime is said.
//
// The login URL carries a sign-in token valid for 15 minutes: it is printed (stdout) only with --print,
// otherwise handed to the browser through a private page and a one-time loopback redirect (console/handoff.ts),
// so that nothing in the browser's argv leads to it, and it is never logged.
import { writeSync } from "node:fs";
import { stsCallRegion } from "../catalog/catalog.ts";
import { loadSession } from "../catalog/load.ts";
import type { Credentials } from "../types.ts";
import {
  CHAINED_ROLE_MAX_SECONDS,
  checkDestination,
  checkRange,
  consoleHome,
  DEFAULT_FEDERATION_SECONDS,
  FEDERATION_DURATION_RANGE,
  federatedUserName,
  getSigninToken,
  loginUrl,
  logoutThenLoginUrl,
  partitionOf,
  sessionDurationFor,
  signinEndpoint,
  USER_PERMISSIONS_POLICY,
  type CredentialKind,
} from "../console/federation.ts";
import { checkRegion, serviceDestination } from "../console/destination.ts";
import { NeedsInput, UsageError } from "../errors.ts";
import { log } from "../log.ts";
import type { Env } from "../types.ts";

export interface ConsoleOptions {
  config?: string;
  print?: boolean;
  destination?: string;
  duration?: string | number;
  policyArn?: string | string[];
  service?: string;
  region?: string;
  browser?: string;
  logoutFirst?: boolean;
}

const POLICY_ARN_RE = /^arn:aws(?:-[a-z]+)*:iam::(?:aws|\d{12}):policy\/[\w+=,.@\/-]+$/;

export async function consoleCommand(name: string, opts: ConsoleOptions, env: Env = process.env): Promise<void> {
  const { cat, session: s } = await loadSession(name, opts.config, env);
  const region = stsCallRegion(s, cat);
  const partition = partitionOf(region, s.type === "assume-role" || s.type === "web-identity" || s.type === "saml" || s.type === "roles-anywhere" ? s.role_arn : undefined);
  const duration = parseSeconds(opts.duration);
  const policyArns = (Array.isArray(opts.policyArn) ? opts.policyArn : opts.policyArn === undefined ? [] : [opts.policyArn]).map(String);
  for (const arn of policyArns) if (!POLICY_ARN_RE.test(arn)) throw new UsageError(`--policy-arn "${arn}" is not an IAM policy ARN`, "write it as arn:aws:iam::aws:policy/ReadOnlyAccess or arn:aws:iam::123456789012:policy/NAME");
  if (policyArns.length && s.type !== "iam-user") {
    throw new UsageError(`--policy-arn applies to iam-user sessions only; "${name}" is of type ${s.type}`, "leave --policy-arn out: the console gets the role's own permissions");
  }
  if (opts.service !== undefined && opts.destination !== undefined) throw new UsageError("--service and --destination cannot be used together", "give one: --service names a console page, --destination a full URL");
  const pageRegion = opts.region !== undefined ? checkRegion(String(opts.region), partition) : region;
  const destination = opts.destination !== undefined ? checkDestination(String(opts.destination), partition)
    : opts.service !== undefined ? serviceDestination(String(opts.service), partition, pageRegion)
    : consoleHome(partition, pageRegion);
  const kind: CredentialKind = s.type === "iam-user" ? "federation" : s.type === "assume-role" ? "chained-role" : "role";
  if (kind === "federation" && duration !== undefined) checkRange("--duration", duration, FEDERATION_DURATION_RANGE);
  const sessionDuration = sessionDurationFor(kind, duration);
  const { canOpenBrowser, openBrowser, spawnBrowser } = await import("../runtime/browser.ts");
  let open = (page: string, fail: (why: string) => void, _link: string) => openBrowser(page, env, fail);
  let ownerOnly = false;
  if (opts.browser !== undefined && !opts.print) {
    const { browserLauncher } = await import("../console/launch.ts");
    const launcher = browserLauncher(String(opts.browser), s.name, env);
    if (launcher.linkInArgv) {
      const { canCheckSocketOwner } = await import("../console/handoff.ts");
      if (!canCheckSocketOwner()) {
        throw new UsageError("--browser firefox-container needs Linux here: only there can sesame make sure the sign-in link in Firefox's command line is taken by your own browser", "use --browser chrome-profile, or a command with {url}, e.g. --browser 'firefox -P work {url}'");
      }
      ownerOnly = true;
    }
    open = (page, fail, link) => {
      const c = launcher.build(launcher.linkInArgv ? link : page);
      return spawnBrowser(c.cmd, c.args, env, fail);
    };
  } else if (!opts.print && !canOpenBrowser(env)) {
    throw new UsageError("there is no browser to open here", `run: sesame console ${name} --print, and open the URL it prints in a browser (within 15 minutes)`);
  }

  let creds: Credentials;
  if (s.type === "iam-user") {
    const { openSecretStore } = await import("../store/open-secret-store.ts");
    const { getAccessKey } = await import("../store/iam-user-keys.ts");
    const key = await getAccessKey(openSecretStore(env, cat.file), s.name);
    if (!key) throw new NeedsInput("secret.missing", `no access key is stored for "${s.name}"`, `run: sesame secret set ${s.name}`);
    const { stsAdapter } = await import("../aws/sts.ts");
    const fed = await stsAdapter(env).getFederationToken(key, region, {
      name: federatedUserName(s.name),
      durationSeconds: duration ?? DEFAULT_FEDERATION_SECONDS,
      ...(policyArns.length ? { policyArns } : { policy: USER_PERMISSIONS_POLICY }),
    }, s.name);
    creds = fed.credentials;
    log("console.federation-token", { session: s.name, arn: fed.arn, policies: policyArns.length ? policyArns.join(",") : "user's own permissions" });
    if (s.mfa_serial) say(`note: the console session of "${s.name}" is not MFA-authenticated (GetFederationToken takes no MFA code)`);
  } else {
    const { resolveSession } = await import("../credentials/resolve.ts");
    creds = await resolveSession(cat, s, env);
    if (kind === "chained-role" && duration !== undefined && creds.expiration) {
      const left = Math.floor((creds.expiration.getTime() - Date.now()) / 1000);
      if (left < duration - 60) say(`note: the console session of "${s.name}" lasts as long as the role's credentials: ${Math.max(0, Math.round(left / 60))} minutes (a chained role's console session cannot be set, at most ${CHAINED_ROLE_MAX_SECONDS / 3600} hour)`);
    }
  }

  const endpoint = signinEndpoint(partition, env);
  const token = await getSigninToken(endpoint, creds, sessionDuration);
  const url = opts.logoutFirst ? logoutThenLoginUrl(endpoint, token, destination) : loginUrl(endpoint, token, destination);
  log("console.signin", { session: s.name, destination, sessionDuration, logoutFirst: !!opts.logoutFirst });
  if (opts.print) {
    writeSync(1, url + "\n");
    return;
  }
  const { handOff } = await import("../console/handoff.ts");
  const slow = setTimeout(() => say("waiting for the browser to open the sign-in link (Ctrl-C to give up)…"), 3000);
  const r = await handOff(url, { open, ownerOnly, timeoutMs: BROWSER_WAIT_MS }).finally(() => clearTimeout(slow));
  const instead = `run: sesame console ${name} --print, and open the URL it prints in a browser (within 15 minutes)`;
  if (r.outcome === "failed") throw new UsageError(`the browser could not be started (${r.why})`, instead);
  if (r.outcome === "timeout") throw new NeedsInput("console.browser-timeout", "the browser did not open the sign-in link within 2 minutes", instead);
  say(`opened the AWS console as "${s.name}" in the browser`);
}

// How long the one-time loopback link waits for the browser (a cold browser start takes seconds).
const BROWSER_WAIT_MS = 120_000;

function parseSeconds(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === "number" ? v : /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isInteger(n)) throw new UsageError(`--duration ${String(v)} is not a whole number of seconds`, "write e.g. --duration 3600");
  return n;
}

function say(msg: string): void {
  writeSync(2, `sesame: ${msg}\n`);
}
