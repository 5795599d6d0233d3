// The 15-minute credentials of an aws-login session, renewed with its refresh token under the session's
// lock. The refreshed credentials and the rotated refresh token are saved in one keyring write before they
// are used; with share_with_aws_cli the AWS CLI's cache file is written next, and read first: when the CLI
// or an SDK refreshed meanwhile, what it left there is the current sign-in (its refresh token is the only
// one AWS still takes).
import { NeedsInput } from "../errors.ts";
import { isoSeconds } from "../runtime/iso-time.ts";
import { log } from "../log.ts";
import type { AwsLoginSession } from "../catalog/types.ts";
import { SigninRefused } from "../aws/signin-types.ts";
import { withLock } from "../store/lock.ts";
import type { Credentials } from "../types.ts";
import { readAwsCliLogin, writeAwsCliLogin } from "./aws-cli-cache.ts";
import type { SigninEffects } from "./effects.ts";
import { loginLock } from "./lock.ts";
import { printable } from "../sso/printable.ts";
import { accessExpiry, loadLogin, saveLogin, type LoginRecord } from "./tokens.ts";

/** As the AWS SDKs: credentials with 5 minutes or less left are refreshed. */
export const LOGIN_REFRESH_MS = 5 * 60_000;
/** Credentials with less than this left are not worth handing out when a refresh failed. */
const USABLE_MS = 60_000;

export class LoginNeeded extends NeedsInput {
  constructor(session: string, why: string, fix = `run: sesame login ${session}`) {
    super("login.needed", `aws-login session "${session}" ${why}`, fix);
  }
}

export function toCredentials(r: LoginRecord): Credentials {
  return { accessKeyId: r.accessToken.accessKeyId, secretAccessKey: r.accessToken.secretAccessKey, sessionToken: r.accessToken.sessionToken, expiration: new Date(accessExpiry(r)) };
}

/** `force` (--no-cache): refresh even when the sign-in's credentials have time left. */
export async function loginCredentials(s: AwsLoginSession, d: SigninEffects, force = false): Promise<Credentials> {
  const store = await d.secrets();
  const lock = loginLock(d, s.name, "refreshing");
  return withLock(lock.path, lock.opts, async () => {
    let rec = await loadLogin(store, s.name);
    if (!rec) throw new LoginNeeded(s.name, "is not signed in");
    if (s.login_session && rec.loginSession !== s.login_session) {
      throw new LoginNeeded(s.name, `is signed in as ${printable(rec.loginSession)}, not as its login_session ${s.login_session}`);
    }
    if (s.share_with_aws_cli) rec = (await adoptCli(s, rec, d)) ?? rec;
    if (!force && accessExpiry(rec) - d.now() > LOGIN_REFRESH_MS) return toCredentials(rec);
    try {
      rec = await refresh(s, rec, d);
    } catch (e) {
      // The CLI (or an SDK) may have spent the token we held an instant ago: then its file has the new one.
      const theirs = e instanceof SigninRefused && s.share_with_aws_cli ? await adoptCli(s, rec, d) : undefined;
      if (theirs) {
        rec = !force && accessExpiry(theirs) - d.now() > LOGIN_REFRESH_MS ? theirs : await refresh(s, theirs, d).catch((e2) => fail(s, e2, theirs, d));
      } else {
        return toCredentials(fail(s, e, rec, d));
      }
    }
    return toCredentials(rec);
  });
}

/** Refresh, then save: the keyring first (one write), then the CLI's file. */
async function refresh(s: AwsLoginSession, rec: LoginRecord, d: SigninEffects): Promise<LoginRecord> {
  const out = await (await d.signin()).createToken(rec.region, { clientId: rec.clientId, grantType: "refresh_token", refreshToken: rec.refreshToken }, rec.dpopKey);
  const next: LoginRecord = {
    ...rec,
    refreshToken: out.refreshToken,
    accessToken: { accessKeyId: out.accessKeyId, secretAccessKey: out.secretAccessKey, sessionToken: out.sessionToken, accountId: rec.accessToken.accountId, expiresAt: isoSeconds(new Date(d.now() + out.expiresIn * 1000)) },
  };
  await saveLogin(await d.secrets(), s.name, next);
  log("aws-login refreshed", { hop: s.name, accessKeyId: next.accessToken.accessKeyId, expires: next.accessToken.expiresAt });
  if (s.share_with_aws_cli) writeCli(next, d);
  return next;
}

/**
 * What the AWS CLI's file holds for the same sign-in (same DPoP key), when it is newer than ours: saved to
 * the keyring, so that our next refresh spends the token AWS still takes.
 */
async function adoptCli(s: AwsLoginSession, rec: LoginRecord, d: SigninEffects): Promise<LoginRecord | undefined> {
  const cli = readAwsCliLogin(rec.loginSession, rec.region, d.env);
  if (!cli || cli.dpopKey !== rec.dpopKey || cli.refreshToken === rec.refreshToken) return undefined;
  // Each refresh writes the file after the keyring: a file older than our record is one we superseded.
  if (accessExpiry(cli) < accessExpiry(rec)) return undefined;
  const next: LoginRecord = { ...rec, clientId: cli.clientId, refreshToken: cli.refreshToken, accessToken: cli.accessToken };
  await saveLogin(await d.secrets(), s.name, next);
  log("aws-login: took over the AWS CLI's newer refresh", { hop: s.name });
  return next;
}

function writeCli(r: LoginRecord, d: SigninEffects): void {
  try {
    writeAwsCliLogin(r, d.env);
  } catch (e) {
    // The keyring has it: the CLI's copy is a convenience, and a full disk must not fail the credentials.
    log("aws-login: could not write the AWS CLI's login cache", { error: (e as Error).message });
  }
}

/** A refusal ends the sign-in (one line and the fix); a network failure still serves credentials that work. */
function fail(s: AwsLoginSession, e: unknown, rec: LoginRecord, d: SigninEffects): LoginRecord {
  if (e instanceof SigninRefused) {
    switch (e.error) {
      case "TOKEN_EXPIRED":
        throw new LoginNeeded(s.name, "has ended (AWS ends a console sign-in 12 hours after it began, or when its refresh token was used elsewhere)");
      case "USER_CREDENTIALS_CHANGED":
        throw new LoginNeeded(s.name, "was ended by AWS: the console password of its identity changed");
      case "INSUFFICIENT_PERMISSIONS":
        throw new LoginNeeded(s.name, `cannot be renewed: ${printable(rec.loginSession)} may not call signin:CreateOAuth2Token`, "ask for the SignInLocalDevelopmentAccess managed policy (or signin:AuthorizeOAuth2Access and signin:CreateOAuth2Token), then run: sesame login " + s.name);
      default:
        throw new LoginNeeded(s.name, `was refused by AWS Sign-In (${e.exception}${e.error ? ` ${printable(e.error).slice(0, 60)}` : ""}: ${printable(e.message).slice(0, 160)})`);
    }
  }
  if (accessExpiry(rec) - d.now() > USABLE_MS) {
    log("aws-login refresh failed; serving the credentials it still has", { hop: s.name, error: (e as Error).message });
    return rec;
  }
  throw e;
}
