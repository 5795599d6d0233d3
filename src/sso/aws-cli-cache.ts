// Interop with the AWS CLI's SSO token cache (~/.aws/sso/cache/<sha1>.json, its format in docs/sso.md):
// a valid token that `aws sso login` left there is used instead of asking for another login, and with
// share_with_aws_cli sesame writes its own token there so `aws` commands work too.
import { createHash } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { awsCliSsoCacheDir } from "../locations.ts";
import type { SsoSessionDef } from "../catalog/types.ts";
import type { ClientRegistration } from "../aws/sso-types.ts";
import { writeFileAtomic } from "../runtime/files.ts";
import type { SsoToken } from "./tokens.ts";
import type { Env } from "../types.ts";
import { isoSeconds } from "../runtime/iso-time.ts";


const sha1 = (s: string) => createHash("sha1").update(s, "utf8").digest("hex");

/** The two names the CLI may have used: the sso-session name, or (legacy profiles) the start URL. */
export function awsCliCacheFiles(sso: SsoSessionDef, env: Env): string[] {
  const dir = awsCliSsoCacheDir(env);
  return [join(dir, `${sha1(sso.name)}.json`), join(dir, `${sha1(sso.sso_start_url)}.json`)];
}

export function readAwsCliToken(sso: SsoSessionDef, env: Env): SsoToken | undefined {
  for (const file of awsCliCacheFiles(sso, env)) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof o.accessToken !== "string" || typeof o.expiresAt !== "string") continue;
    if (typeof o.startUrl === "string" && o.startUrl.replace(/\/+$/, "") !== sso.sso_start_url.replace(/\/+$/, "")) continue;
    const expiresAt = Date.parse(o.expiresAt); // both "…Z" and "….000Z" forms
    if (Number.isNaN(expiresAt)) continue;
    const t: SsoToken = { accessToken: o.accessToken, expiresAt, startUrl: sso.sso_start_url, region: typeof o.region === "string" ? o.region : sso.sso_region };
    if (typeof o.refreshToken === "string") t.refreshToken = o.refreshToken;
    return t;
  }
  return undefined;
}

/** Writes the token in the CLI's own format (single-line JSON, 0600), under the sso-session name's hash. */
export function writeAwsCliToken(sso: SsoSessionDef, t: SsoToken, client: ClientRegistration | undefined, env: Env): void {
  const o: Record<string, string> = { startUrl: sso.sso_start_url, region: sso.sso_region, accessToken: t.accessToken, expiresAt: isoSeconds(new Date(t.expiresAt)) };
  if (client) {
    o.clientId = client.clientId;
    o.clientSecret = client.clientSecret;
    o.registrationExpiresAt = isoSeconds(new Date(client.expiresAt));
  }
  if (t.refreshToken) o.refreshToken = t.refreshToken;
  writeFileAtomic(awsCliCacheFiles(sso, env)[0]!, JSON.stringify(o));
}

/** Removes the CLI cache file only if it holds this very token (never someone else's login). */
export function removeAwsCliToken(sso: SsoSessionDef, accessToken: string, env: Env): void {
  for (const file of awsCliCacheFiles(sso, env)) {
    try {
      const o = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
      if (o.accessToken === accessToken) unlinkSync(file);
    } catch { /* absent or not ours */ }
  }
}
