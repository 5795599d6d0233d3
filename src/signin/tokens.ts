// An aws-login session's sign-in in the secret store: the refresh token, the DPoP key it is bound to, and
// the last 15-minute credentials, in one item, so that a refresh saves a rotated refresh token and the
// credentials it came with in one atomic write. The fields are the AWS CLI's login cache's (docs/aws-login.md),
// plus where and when the sign-in was made.
import type { SecretStore } from "../store/secret-store.ts";

export interface LoginAccessToken {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  /** ISO 8601, as the AWS CLI writes it */
  expiresAt: string;
}

export interface LoginRecord {
  /** the console identity's ARN (the CLI's login_session; the id token's sub) */
  loginSession: string;
  /** the AWS Sign-In region the refresh goes to */
  region: string;
  clientId: string;
  refreshToken: string;
  /** SEC1 PEM of the P-256 key the refresh token is bound to */
  dpopKey: string;
  tokenType: string;
  idToken?: string;
  accessToken: LoginAccessToken;
  /** epoch ms of the browser sign-in (AWS ends the session 12 hours later), when sesame knows it */
  signedInAt?: number;
}

const account = (session: string) => `aws-login:${session}`;

export async function loadLogin(store: SecretStore, session: string): Promise<LoginRecord | undefined> {
  const raw = await store.get(account(session));
  if (raw === undefined) return undefined;
  try {
    const o = JSON.parse(raw) as LoginRecord;
    return isLoginRecord(o) ? o : undefined;
  } catch {
    return undefined; // a damaged record is the same as none: sign in again
  }
}

export function isLoginRecord(o: unknown): o is LoginRecord {
  const r = o as Partial<LoginRecord> | null;
  const a = r?.accessToken as Partial<LoginAccessToken> | undefined;
  return (
    !!r && typeof r.loginSession === "string" && typeof r.region === "string" && typeof r.clientId === "string" && typeof r.refreshToken === "string" &&
    typeof r.dpopKey === "string" && !!a && typeof a.accessKeyId === "string" && typeof a.secretAccessKey === "string" && typeof a.sessionToken === "string" &&
    typeof a.accountId === "string" && typeof a.expiresAt === "string"
  );
}

export async function saveLogin(store: SecretStore, session: string, r: LoginRecord): Promise<void> {
  await store.set(account(session), JSON.stringify(r));
}

export async function forgetLogin(store: SecretStore, session: string): Promise<boolean> {
  return store.delete(account(session));
}

/** epoch ms the record's credentials expire */
export function accessExpiry(r: LoginRecord): number {
  const t = Date.parse(r.accessToken.expiresAt);
  return Number.isNaN(t) ? 0 : t;
}

/** AWS ends a console sign-in for local development 12 hours after it began. */
export const LOGIN_SESSION_MS = 12 * 3600_000;

/** Still renewable as far as sesame can tell: credentials left, or a sign-in younger than 12 hours. */
export function loginAlive(r: LoginRecord, now: number): boolean {
  return accessExpiry(r) > now || r.signedInAt === undefined || now - r.signedInAt < LOGIN_SESSION_MS;
}
