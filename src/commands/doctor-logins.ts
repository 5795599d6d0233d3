// doctor's look at aws-login sessions: signed in or not (and as whom), how long the sign-in can still be
// renewed, and the AWS CLI's copy of a shared sign-in (present, and 0600: it holds the refresh token and
// its DPoP key). Reads the keyring; calls nothing.
import { statSync } from "node:fs";
import type { AwsLoginSession, Catalog } from "../catalog/types.ts";
import { forTerminal } from "../output/sanitize.ts";
import { clock } from "../output/clock.ts";
import { openSecretStore } from "../store/open-secret-store.ts";
import { awsCliLoginFile } from "../signin/aws-cli-cache.ts";
import { accessExpiry, loadLogin, loginAlive, LOGIN_SESSION_MS } from "../signin/tokens.ts";
import type { Finding } from "./doctor-finding.ts";
import type { Env } from "../types.ts";

export async function checkLogins(cat: Catalog, env: Env, now: number, add: (f: Finding) => void): Promise<void> {
  const sessions = [...cat.sessions.values()].filter((s): s is AwsLoginSession => s.type === "aws-login");
  if (!sessions.length) return;
  const store = openSecretStore(env, cat.file);
  for (const s of sessions) {
    const name = `"${s.name}"`;
    let rec;
    try {
      rec = await loadLogin(store, s.name);
    } catch (e) {
      add({ check: "aws-login", status: "warn", message: `${name}: the sign-in cannot be checked (${(e as Error).message})`, fix: "check the keyring" });
      continue;
    }
    if (!rec || !loginAlive(rec, now)) {
      add({ check: "aws-login", status: "warn", message: `${name}: ${rec ? "the sign-in has ended" : "not signed in"}; its sessions need a login before they can be used`, fix: `run: sesame login ${s.name}` });
      continue;
    }
    const who = forTerminal(rec.loginSession);
    if (s.login_session && rec.loginSession !== s.login_session) {
      add({ check: "aws-login", status: "warn", message: `${name}: signed in as ${who}, not as its login_session ${s.login_session}`, fix: `run: sesame login ${s.name} --force as that identity, or change login_session` });
      continue;
    }
    const until = rec.signedInAt !== undefined ? `, renewable until about ${clock(new Date(rec.signedInAt + LOGIN_SESSION_MS), now)}` : "";
    const creds = accessExpiry(rec) > now ? `credentials until ${clock(new Date(accessExpiry(rec)), now)}` : "renewed on next use";
    add({ check: "aws-login", status: "ok", message: `${name}: signed in as ${who}; ${creds}${until}` });
    if (s.share_with_aws_cli) {
      const file = awsCliLoginFile(rec.loginSession, env);
      try {
        const mode = statSync(file).mode & 0o777;
        if (mode & 0o077) add({ check: "aws-login", status: "warn", message: `${name}: the AWS CLI's copy ${forTerminal(file)} is readable by others (mode ${mode.toString(8)}); it holds the refresh token and its key`, fix: `chmod 600 ${forTerminal(file)}` });
      } catch {
        add({ check: "aws-login", status: "warn", message: `${name}: share_with_aws_cli is set but the AWS CLI has no copy of the sign-in (${forTerminal(file)})`, fix: `run: sesame credential-process ${s.name} --no-cache (its next renewal writes it)` });
      }
    }
  }
}
