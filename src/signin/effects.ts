// The effects an AWS Sign-In session needs, and nothing more: credentials/ hands its Deps (a superset) in,
// so signin/ never imports the provider layer above it.
import type { SigninAdapter } from "../aws/signin-types.ts";
import type { SecretStore } from "../store/secret-store.ts";
import type { Env } from "../types.ts";

export interface SigninEffects {
  now(): number;
  env: Env;
  /** where the per-session sign-in lock files live */
  cacheDir: string;
  secrets(): Promise<SecretStore>;
  signin(): Promise<SigninAdapter>;
}
