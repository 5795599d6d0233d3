// What a hop hands the next one, and the effects every provider receives through one Deps object.
import type { SecretStore } from "../store/secret-store.ts";
import type { StsAdapter } from "../aws/sts-types.ts";
import type { SsoOidcAdapter, SsoPortalAdapter } from "../aws/sso-types.ts";

import type { Credentials } from "../types.ts";
import type { SsoEffects } from "../sso/effects.ts";
import type { Env } from "../types.ts";
export type { Credentials };

export type Provider = () => Promise<Credentials>;

export interface Deps extends SsoEffects {
  now(): number;
  /** seconds before expiry at which cached credentials are renewed */
  refreshMargin: number;
  secrets(): Promise<SecretStore>;
  sts(): Promise<StsAdapter>;
  ssoOidc(): Promise<SsoOidcAdapter>;
  ssoPortal(): Promise<SsoPortalAdapter>;
  mfaCode(serial: string, session: string): Promise<string>;
  env: Env;
  cacheDir: string;
  /** the cache folder cannot be used (store/cache-folder.ts): every hop fetches, nothing is locked or stored */
  cacheOff?: boolean;
  stateDir: string;
  /** the current generation of the chain's root of trust (store/generation.ts) */
  generation?: string;
  /** hop lock files this process already holds (credential-process takes the last hop's before loading
   *  the chain): cached() must not wait on its own lock */
  heldLocks?: ReadonlySet<string>;
}
