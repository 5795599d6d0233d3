// The effects an SSO sign-in needs, and nothing more: credentials/ hands its Deps (a superset) in, so
// sso/ never imports the provider layer above it.
import type { SsoOidcAdapter } from "../aws/sso-types.ts";
import type { SecretStore } from "../store/secret-store.ts";
import type { Env } from "../types.ts";

export interface SsoEffects {
  now(): number;
  env: Env;
  /** where the per-sso-session lock files live */
  cacheDir: string;
  secrets(): Promise<SecretStore>;
  ssoOidc(): Promise<SsoOidcAdapter>;
}
