// What a hop hands the next one; the effects every provider receives through one Deps object (effects
// only); and the per-call options passed beside it.
import type { SecretStore } from "../store/secret-store.ts";
import type { StsAdapter } from "../aws/sts-types.ts";
import type { SsoOidcAdapter, SsoPortalAdapter } from "../aws/sso-types.ts";
import type { SsoEffects } from "../sso/effects.ts";
import type { SigninEffects } from "../signin/effects.ts";
import type { SigninAdapter } from "../aws/signin-types.ts";
import type { Credentials, Env } from "../types.ts";
import type { FlightOptions } from "./single-flight.ts";

export type { Credentials };

export type Provider = () => Promise<Credentials>;

export interface Deps extends SsoEffects, SigninEffects {
  now(): number;
  secrets(): Promise<SecretStore>;
  sts(): Promise<StsAdapter>;
  ssoOidc(): Promise<SsoOidcAdapter>;
  ssoPortal(): Promise<SsoPortalAdapter>;
  signin(): Promise<SigninAdapter>;
  mfaCode(serial: string, session: string): Promise<string>;
  /** there is a terminal to sign in on (auto_login) */
  terminal(): Promise<boolean>;
  env: Env;
  cacheDir: string;
  stateDir: string;
}

/** What one resolution decides, apart from the effects: passed beside Deps, never inside it. */
export interface ChainOptions extends FlightOptions {
  /** the current generation of the chain's root of trust (store/generation.ts); "" before its first change */
  generation: string;
}
