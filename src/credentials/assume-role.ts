// assume-role: the source hop's credentials sign STS AssumeRole. Chains recurse through `source`.
import type { AssumeRoleSession, Catalog } from "../catalog/types.ts";
import type { AssumeRoleParams } from "../aws/sts-types.ts";
import { stsRegion } from "./identity.ts";
import { durationAndMfa } from "./mfa-params.ts";
import { defaultRoleSessionName } from "./session-name.ts";
import type { Credentials, Deps, Provider } from "./types.ts";

export function assumeRole(s: AssumeRoleSession, cat: Catalog, source: Provider, d: Deps): Provider {
  return async (): Promise<Credentials> => {
    const creds = await source();
    const p: AssumeRoleParams = { roleArn: s.role_arn, roleSessionName: s.role_session_name ?? defaultRoleSessionName(d.env), ...(await durationAndMfa(s, d)) };
    if (s.external_id) p.externalId = s.external_id;
    return (await d.sts()).assumeRole(creds, stsRegion(s, cat), p, s.source);
  };
}
