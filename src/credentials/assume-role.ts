// assume-role: the source hop's credentials sign STS AssumeRole. Chains recurse through `source`.
import { writeSync } from "node:fs";
import type { AssumeRoleSession, Catalog } from "../catalog/types.ts";
import type { AssumeRoleParams } from "../aws/sts-types.ts";
import { REVOKED_CODES } from "../aws/errors.ts";
import { AwsRefused } from "../errors.ts";
import { stsCallRegion } from "../catalog/catalog.ts";
import { durationAndMfa } from "./mfa-params.ts";
import { defaultRoleSessionName } from "./session-name.ts";
import type { Credentials, Deps, Provider } from "./types.ts";

/**
 * `dropSource` removes the source hop's cache entry: when AWS refuses the source's temporary credentials as
 * expired or unknown (revoked, or cut short at AWS), the entry is dropped, the source fetched once more and
 * the call retried once — instead of failing the same way on every run until the entry would have expired.
 */
export function assumeRole(s: AssumeRoleSession, cat: Catalog, source: Provider, d: Deps, dropSource?: () => Promise<void>): Provider {
  return async (): Promise<Credentials> => {
    const creds = await source();
    const p: AssumeRoleParams = { roleArn: s.role_arn, roleSessionName: s.role_session_name ?? defaultRoleSessionName(d.env), ...(await durationAndMfa(s, d)) };
    if (s.external_id) p.externalId = s.external_id;
    const sts = await d.sts();
    try {
      return await sts.assumeRole(creds, stsCallRegion(s, cat), p, s.source);
    } catch (e) {
      if (!dropSource || !creds.sessionToken || !(e instanceof AwsRefused) || !REVOKED_CODES.has(e.awsCode)) throw e;
      await dropSource();
      writeSync(2, `sesame: AWS refused the cached credentials of "${s.source}" (${e.awsCode}): dropped them, fetching new ones\n`);
      try {
        return await sts.assumeRole(await source(), stsCallRegion(s, cat), p, s.source);
      } catch (again) {
        // refused again: do not leave that entry behind either
        if (again instanceof AwsRefused && REVOKED_CODES.has(again.awsCode)) await dropSource();
        throw again;
      }
    }
  };
}
