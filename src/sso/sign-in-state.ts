// "Is this SSO signed in?", the one answer `list` and `doctor` give (credential-process finds out by using
// the token: sso/access-token.ts, whose rules this follows): sesame's own token while it has more than a
// minute left, else a refresh that can still happen silently, else a valid token `aws sso login` left.
import type { SsoSessionDef } from "../catalog/types.ts";
import type { SecretStore } from "../store/secret-store.ts";
import { TOKEN_USABLE_MS as USABLE_MS } from "./access-token.ts";
import { readAwsCliToken } from "./aws-cli-cache.ts";
import { loadRegistration, loadToken } from "./tokens.ts";

export type SignIn =
  | { state: "signed-in"; until: number; renews: boolean }
  | { state: "renews-silently" }
  | { state: "aws-cli"; until: number }
  | { state: "expired" }
  | { state: "none" };

/** `store` undefined: the keyring cannot be used, so only the AWS CLI's token can tell ("none" otherwise). */
export async function signInState(sso: SsoSessionDef, store: SecretStore | undefined, env: Record<string, string | undefined>, now: number): Promise<SignIn> {
  const stored = store ? await loadToken(store, sso.name) : undefined;
  const t = stored && stored.startUrl === sso.sso_start_url ? stored : undefined;
  if (t && t.expiresAt > now + USABLE_MS) return { state: "signed-in", until: t.expiresAt, renews: !!t.refreshToken };
  if (store && t?.refreshToken && ((await loadRegistration(store, sso.name))?.expiresAt ?? 0) > now) return { state: "renews-silently" };
  const cli = readAwsCliToken(sso, env);
  if (cli && cli.expiresAt > now + USABLE_MS) return { state: "aws-cli", until: cli.expiresAt };
  return t ? { state: "expired" } : { state: "none" };
}
