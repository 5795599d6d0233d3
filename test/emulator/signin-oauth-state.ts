// The AWS Sign-In OAuth world (`aws login`, /work/wt/aws-login-wire.md): authorization codes, sign-in sessions of
// console identities, their rotating DPoP-bound refresh tokens, and the DPoP proof ids already seen. Credentials
// are issued through EmulatorState (source "login"), so STS accepts them and they act as the console identity.
//
// Everything but DPoP `iat` is timed by the emulator clock: tests expire codes and sessions by advancing it.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import * as ids from "./ids.ts";
import type { EmulatorState, Identity, TemporaryCredential } from "./state.ts";

export const SAME_DEVICE_CLIENT_ID = "arn:aws:signin:::devtools/same-device";
export const CROSS_DEVICE_CLIENT_ID = "arn:aws:signin:::devtools/cross-device";
export const LOGIN_CLIENT_IDS: readonly string[] = [SAME_DEVICE_CLIENT_ID, CROSS_DEVICE_CLIENT_ID];
/** The console identity that signs in when a test does not name one. */
export const DEFAULT_LOGIN_SESSION = "arn:aws:iam::123456789012:user/console-dev";

/**
 * Defaults. Sources: the wire doc (credentials 15 min, session up to 12 h from sign-in); the 5-minute code life is
 * the brief's choice [unverified for AWS]; the service model calls refresh "idempotent within token validity
 * window", which `reuseGraceSeconds` stands for (0: an old refresh token is refused at once) [unverified].
 */
export const LOGIN_DEFAULTS = {
  authCodeLifetimeSeconds: 300,
  sessionLifetimeSeconds: 43200,
  credentialSeconds: 900,
  reuseGraceSeconds: 0,
} as const;

export interface LoginConfig {
  authCodeLifetimeSeconds?: number;
  sessionLifetimeSeconds?: number;
  credentialSeconds?: number;
  reuseGraceSeconds?: number;
}

/** The OAuth2ErrorCode values a revocation can answer with (AccessDeniedException). */
export type LoginRevocation = "USER_CREDENTIALS_CHANGED" | "INSUFFICIENT_PERMISSIONS" | "TOKEN_EXPIRED";

export interface LoginAuthCode {
  code: string;
  clientId: string;
  redirectUri: string;
  /** base64url(SHA-256(verifier)) without padding. */
  codeChallenge: string;
  loginSession: string;
  expiresAt: Date;
  redeemed: boolean;
}

/** One sign-in: the code exchange and every refresh after it. */
export interface LoginSignIn {
  id: string;
  /** The console identity's ARN (the id token's `sub`, the profile's `login_session`). */
  loginSession: string;
  identity: Identity;
  clientId: string;
  /** RFC 7638 thumbprint of the DPoP key presented at the code exchange: refreshes must prove this key. */
  jkt: string;
  startedAt: Date;
  endsAt: Date;
  refreshCount: number;
  /** Set by revokeLoginSession: every refresh is refused with this error. */
  revoked?: LoginRevocation;
  /** The one refresh token that works now. */
  currentRefreshToken: string;
}

/** What /v1/token answers (the CreateOAuth2TokenResponseBody). */
export interface LoginTokenBody {
  accessToken: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  tokenType: "aws_sigv4";
  expiresIn: number;
  refreshToken: string;
  idToken?: string;
}

export interface LoginRefreshToken {
  token: string;
  signInId: string;
  issuedAt: Date;
  /** When a refresh rotated it out, and the answer that refresh got (repeated within the grace period). */
  rotatedAt?: Date;
  answer?: LoginTokenBody;
}

/** What tests may inspect about a sign-in (no secrets). */
export interface LoginSessionView {
  loginSession: string;
  clientId: string;
  jkt: string;
  refreshCount: number;
  startedAt: Date;
  expiresAt: Date;
  revoked: LoginRevocation | false;
}

const USER_ARN = /^arn:(aws[\w-]*):iam::(\d{12}):user\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const ASSUMED_ROLE_ARN = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/([\w+=,.@-]{2,64})$/;

const later = (from: Date, seconds: number): Date => new Date(from.getTime() + seconds * 1000);

/** base64url(SHA-256(verifier)) without padding: what the CLI sends as code_challenge (method "SHA-256"). */
export function codeChallengeOf(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

export class LoginState {
  readonly authCodes = new Map<string, LoginAuthCode>();
  readonly signIns = new Map<string, LoginSignIn>();
  readonly refreshTokens = new Map<string, LoginRefreshToken>();
  /** Every DPoP `jti` accepted so far (RFC 9449 §11.1: a proof is good once). */
  readonly seenJtis = new Set<string>();
  authCodeLifetimeSeconds: number = LOGIN_DEFAULTS.authCodeLifetimeSeconds;
  sessionLifetimeSeconds: number = LOGIN_DEFAULTS.sessionLifetimeSeconds;
  credentialSeconds: number = LOGIN_DEFAULTS.credentialSeconds;
  reuseGraceSeconds: number = LOGIN_DEFAULTS.reuseGraceSeconds;
  private idTokenKey: KeyObject | undefined;

  constructor(private readonly world: EmulatorState) {}

  now(): Date {
    return this.world.now();
  }

  config(): Required<LoginConfig> {
    return {
      authCodeLifetimeSeconds: this.authCodeLifetimeSeconds,
      sessionLifetimeSeconds: this.sessionLifetimeSeconds,
      credentialSeconds: this.credentialSeconds,
      reuseGraceSeconds: this.reuseGraceSeconds,
    };
  }

  /** Validates the whole setting first, so a bad value changes nothing. */
  configure(cfg: LoginConfig): void {
    const next = { ...this.config() };
    const limits: Record<keyof LoginConfig, [number, number]> = {
      authCodeLifetimeSeconds: [1, 86400],
      sessionLifetimeSeconds: [1, 30 * 86400],
      credentialSeconds: [1, 900],
      reuseGraceSeconds: [0, 86400],
    };
    for (const [key, value] of Object.entries(cfg) as [keyof LoginConfig, unknown][]) {
      if (!(key in limits)) throw new Error(`unknown signin setting: ${key}`);
      if (value === undefined) continue;
      const [min, max] = limits[key];
      if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw new Error(`${key} must be an integer ${min}–${max}`);
      }
      next[key] = value;
    }
    Object.assign(this, next);
  }

  /**
   * The identity a console ARN acts as. An IAM user is created when absent (without access keys); an
   * assumed-role session gets its role created when absent, trusting nobody.
   */
  identityFor(loginSession: string): Identity {
    const user = USER_ARN.exec(loginSession);
    if (user) {
      const [, , account, userName] = user;
      let known = this.world.users.get(loginSession);
      if (!known) {
        known = { userName: userName!, account: account!, arn: loginSession, userId: ids.userUniqueId() };
        this.world.users.set(loginSession, known);
      }
      return this.world.userIdentity(known);
    }
    const assumed = ASSUMED_ROLE_ARN.exec(loginSession);
    if (assumed) {
      const [, partition, account, roleName, sessionName] = assumed;
      const roleArn = `arn:${partition}:iam::${account}:role/${roleName}`;
      const role = this.world.roles.get(roleArn) ?? this.world.addRole({ arn: roleArn, trust: [] });
      return this.world.assumedRoleIdentity(role, sessionName!);
    }
    throw new Error(`not a console identity ARN (IAM user or assumed role): ${loginSession}`);
  }

  issueAuthCode(input: Omit<LoginAuthCode, "code" | "expiresAt" | "redeemed">): LoginAuthCode {
    // Validate the identity now, so a bad loginSession fails the test's completeLogin call, not the exchange.
    this.identityFor(input.loginSession);
    const code: LoginAuthCode = {
      ...input,
      code: randomBytes(32).toString("base64url"),
      expiresAt: later(this.now(), this.authCodeLifetimeSeconds),
      redeemed: false,
    };
    this.authCodes.set(code.code, code);
    return code;
  }

  /** A new sign-in from a redeemed code: credentials, the first refresh token and the id token. */
  signIn(code: LoginAuthCode, jkt: string, issuer: string): LoginTokenBody {
    const startedAt = this.now();
    const signIn: LoginSignIn = {
      id: ids.requestId(),
      loginSession: code.loginSession,
      identity: this.identityFor(code.loginSession),
      clientId: code.clientId,
      jkt,
      startedAt,
      endsAt: later(startedAt, this.sessionLifetimeSeconds),
      refreshCount: 0,
      currentRefreshToken: "",
    };
    this.signIns.set(signIn.id, signIn);
    return { ...this.tokens(signIn), idToken: this.idToken(signIn, issuer) };
  }

  /** A refresh of `old` (already checked usable): rotates the refresh token, remembering the answer. */
  refresh(old: LoginRefreshToken, signIn: LoginSignIn): LoginTokenBody {
    signIn.refreshCount++;
    const answer = this.tokens(signIn);
    old.rotatedAt = this.now();
    old.answer = answer;
    return answer;
  }

  /** Within the grace period after its rotation, an old token gets the answer its rotation got. */
  graceAnswer(old: LoginRefreshToken): LoginTokenBody | undefined {
    if (!old.rotatedAt || !old.answer) return undefined;
    const age = (this.now().getTime() - old.rotatedAt.getTime()) / 1000;
    return age <= this.reuseGraceSeconds && this.reuseGraceSeconds > 0 ? old.answer : undefined;
  }

  /** Makes every refresh of this console identity's sign-ins fail with `error`; returns how many sign-ins. */
  revoke(loginSession: string, error: LoginRevocation = "USER_CREDENTIALS_CHANGED"): number {
    let n = 0;
    for (const s of this.signIns.values()) {
      if (s.loginSession !== loginSession) continue;
      s.revoked = error;
      n++;
    }
    return n;
  }

  sessions(): LoginSessionView[] {
    return [...this.signIns.values()].map((s) => ({
      loginSession: s.loginSession,
      clientId: s.clientId,
      jkt: s.jkt,
      refreshCount: s.refreshCount,
      startedAt: s.startedAt,
      expiresAt: s.endsAt,
      revoked: s.revoked ?? false,
    }));
  }

  private tokens(signIn: LoginSignIn): LoginTokenBody {
    const now = this.now();
    // Never past the end of the sign-in session.
    const left = Math.floor((signIn.endsAt.getTime() - now.getTime()) / 1000);
    const cred: TemporaryCredential = this.world.issueTemporary({
      identity: signIn.identity,
      source: "login",
      durationSeconds: Math.max(1, Math.min(this.credentialSeconds, left)),
      chained: false,
      mfaAuthenticated: false,
    });
    const refreshToken = `${randomBytes(48).toString("base64url")}`;
    this.refreshTokens.set(refreshToken, { token: refreshToken, signInId: signIn.id, issuedAt: now });
    signIn.currentRefreshToken = refreshToken;
    return {
      accessToken: { accessKeyId: cred.accessKeyId, secretAccessKey: cred.secretAccessKey, sessionToken: cred.sessionToken },
      tokenType: "aws_sigv4",
      // Whole seconds from the issue second, as the expiration itself is counted (EmulatorState.issueTemporary).
      expiresIn: Math.max(0, Math.round((cred.expiration.getTime() - Math.floor(cred.issuedAt.getTime() / 1000) * 1000) / 1000)),
      refreshToken,
    };
  }

  /** An ES256 JWT signed with the emulator's own key; clients only read its `sub`. */
  private idToken(signIn: LoginSignIn, issuer: string): string {
    this.idTokenKey ??= generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const iat = Math.floor(signIn.startedAt.getTime() / 1000);
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const input = `${b64({ alg: "ES256", typ: "JWT", kid: "emulator" })}.${b64({
      iss: issuer,
      sub: signIn.loginSession,
      aud: signIn.clientId,
      iat,
      exp: iat + this.sessionLifetimeSeconds,
    })}`;
    const signature = sign("sha256", Buffer.from(input), { key: this.idTokenKey, dsaEncoding: "ieee-p1363" });
    return `${input}.${signature.toString("base64url")}`;
  }
}
