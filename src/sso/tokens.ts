// IAM Identity Center secrets in the secret store: the access/refresh token of each sso-session and the
// OIDC client registration it was issued to. Typed facade, as for IAM user keys.
import type { ClientRegistration } from "../aws/sso-types.ts";
import type { SecretStore } from "../store/secret-store.ts";

export interface SsoToken {
  accessToken: string;
  /** epoch ms */
  expiresAt: number;
  refreshToken?: string;
  startUrl: string;
  region: string;
}

const tokenAccount = (sso: string) => `sso-token:${sso}`;
const clientAccount = (sso: string) => `sso-client:${sso}`;

function parse<T>(raw: string | undefined, ok: (o: Record<string, unknown>) => boolean): T | undefined {
  if (raw === undefined) return undefined;
  try {
    const o = JSON.parse(raw) as Record<string, unknown>;
    return ok(o) ? (o as T) : undefined;
  } catch {
    return undefined; // a damaged record is the same as none: log in again
  }
}

export async function loadToken(store: SecretStore, sso: string): Promise<SsoToken | undefined> {
  return parse<SsoToken>(await store.get(tokenAccount(sso)), (o) => typeof o.accessToken === "string" && typeof o.expiresAt === "number");
}

export async function saveToken(store: SecretStore, sso: string, t: SsoToken): Promise<void> {
  await store.set(tokenAccount(sso), JSON.stringify(t));
}

export async function forgetToken(store: SecretStore, sso: string): Promise<boolean> {
  return store.delete(tokenAccount(sso));
}

export async function loadRegistration(store: SecretStore, sso: string): Promise<ClientRegistration | undefined> {
  return parse<ClientRegistration>(await store.get(clientAccount(sso)), (o) => typeof o.clientId === "string" && typeof o.clientSecret === "string" && typeof o.expiresAt === "number");
}

export async function saveRegistration(store: SecretStore, sso: string, r: ClientRegistration): Promise<void> {
  await store.set(clientAccount(sso), JSON.stringify(r));
}

export async function forgetRegistration(store: SecretStore, sso: string): Promise<boolean> {
  return store.delete(clientAccount(sso));
}
