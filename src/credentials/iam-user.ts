// IAM user: the long-lived key from the keyring → STS GetSessionToken (with MFA when configured).
// Only the session credentials leave this module; the long-lived key is never cached or printed.
import type { Catalog, IamUserSession } from "../catalog/types.ts";
import { NeedsInput } from "../errors.ts";
import { getAccessKey } from "../store/iam-user-keys.ts";
import { stsCallRegion } from "../catalog/catalog.ts";
import { durationAndMfa } from "./mfa-params.ts";
import type { Credentials, Deps, Provider } from "./types.ts";

export function iamUser(s: IamUserSession, cat: Catalog, d: Deps): Provider {
  return async (): Promise<Credentials> => {
    const key = await getAccessKey(await d.secrets(), s.name);
    if (!key) throw new NeedsInput("secret.missing", `no access key is stored for "${s.name}"`, `run: sesame secret set ${s.name}`);
    const p = await durationAndMfa(s, d);
    return (await d.sts()).getSessionToken(key, stsCallRegion(s, cat), p, s.name);
  };
}
