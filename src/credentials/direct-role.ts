// A role assumed directly with an IAM user's long-term key, for roles that must last longer than 1 hour:
// STS caps a role assumed with temporary credentials (GetSessionToken's included) at 1 hour, so an
// assume-role whose source is an iam-user and whose duration_seconds exceeds 3600 skips the user's
// session hop (chain.ts decides). The key is read from the keyring here and only signs this one call; it
// never leaves sesame, and only the role's credentials are cached. MFA goes on the AssumeRole call itself:
// the role's mfa_serial, else the user's.
import type { AssumeRoleSession, Catalog, IamUserSession } from "../catalog/types.ts";
import type { AssumeRoleParams } from "../aws/sts-types.ts";
import { NeedsInput } from "../errors.ts";
import { getAccessKey } from "../store/iam-user-keys.ts";
import { CHAINED_ROLE_CAP } from "../catalog/validate.ts";
import { stsCallRegion } from "../catalog/catalog.ts";
import { durationAndMfa } from "./mfa-params.ts";
import { defaultRoleSessionName } from "./session-name.ts";
import type { Credentials, Deps, Provider } from "./types.ts";

/** Whether chain.ts assumes this role directly with its source user's key. */
export function assumedDirectly(s: AssumeRoleSession, src: { type: string }): boolean {
  return src.type === "iam-user" && (s.duration_seconds ?? 0) > CHAINED_ROLE_CAP;
}

export function directRole(s: AssumeRoleSession, user: IamUserSession, cat: Catalog, d: Deps): Provider {
  return async (): Promise<Credentials> => {
    const key = await getAccessKey(await d.secrets(), user.name);
    if (!key) throw new NeedsInput("secret.missing", `no access key is stored for "${user.name}"`, `run: sesame secret set ${user.name}`);
    const mfa = s.mfa_serial ? s : user.mfa_serial ? { name: s.name, mfa_serial: user.mfa_serial, ...(user.mfa_process ? { mfa_process: user.mfa_process } : {}) } : { name: s.name };
    const p: AssumeRoleParams = { roleArn: s.role_arn, roleSessionName: s.role_session_name ?? defaultRoleSessionName(d.env), ...(await durationAndMfa({ ...mfa, duration_seconds: s.duration_seconds }, d)) };
    if (s.external_id) p.externalId = s.external_id;
    return (await d.sts()).assumeRole(key, stsCallRegion(s, cat), p, user.name);
  };
}
