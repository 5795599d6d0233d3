// In-memory world of the emulator: IAM users and their keys, roles, MFA devices, the temporary credentials STS
// has issued, and a clock that tests can move forward without waiting.
import * as ids from "./ids.ts";
import { LoginState } from "./signin-oauth-state.ts";
import { SsoState } from "./sso-state.ts";

export const DEFAULT_ACCOUNT = "123456789012";
/** Code accepted for any MFA serial that was not registered with its own code. */
export const DEFAULT_MFA_CODE = "123456";
/** IAM's default MaxSessionDuration for a role. */
export const DEFAULT_MAX_SESSION_DURATION = 3600;

/** Wall clock plus an offset, so tests can expire credentials instantly; can be frozen for exact-time tests. */
export class Clock {
  offsetMs = 0;
  private frozenAt: number | undefined;

  now(): Date {
    return new Date(this.frozenAt ?? Date.now() + this.offsetMs);
  }
  advance(seconds: number): Date {
    this.offsetMs += seconds * 1000;
    if (this.frozenAt !== undefined) this.frozenAt += seconds * 1000;
    return this.now();
  }
  set(date: Date): void {
    this.offsetMs = date.getTime() - Date.now();
    if (this.frozenAt !== undefined) this.frozenAt = date.getTime();
  }
  /** Stops time at `date` (default: now) until unfreeze(); advance() and set() still move it. */
  freeze(date: Date = this.now()): void {
    this.set(date);
    this.frozenAt = date.getTime();
  }
  unfreeze(): void {
    if (this.frozenAt !== undefined) this.offsetMs = this.frozenAt - Date.now();
    this.frozenAt = undefined;
  }
}

export interface IamUser {
  userName: string;
  account: string;
  arn: string;
  /** AIDA… unique id, what GetCallerIdentity returns as UserId. */
  userId: string;
}

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  user: IamUser;
}

export type IdentityKind = "user" | "assumed-role" | "federated-user";

/** Who a set of credentials acts as: what GetCallerIdentity reports and what trust policies match. */
export interface Identity {
  kind: IdentityKind;
  arn: string;
  userId: string;
  account: string;
  /** ARN a trust policy names to admit this caller: the user ARN, or the role ARN for an assumed role. */
  principalArn: string;
}

export type CredentialSource = "session-token" | "assume-role" | "web-identity" | "saml" | "federation" | "sso" | "login";

export interface TemporaryCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  issuedAt: Date;
  identity: Identity;
  source: CredentialSource;
  /** Issued to a caller that itself held temporary credentials (role chaining). */
  chained: boolean;
  /** The session counts as MFA-authenticated (aws:MultiFactorAuthPresent). */
  mfaAuthenticated: boolean;
  /** Access key id of the caller that obtained these credentials; undefined for unsigned calls. */
  issuedBy?: string;
}

export interface Role {
  arn: string;
  name: string;
  account: string;
  /** AROA… unique id; the assumed-role UserId is `<roleId>:<session name>`. */
  roleId: string;
  /** Principal ARNs admitted by the trust policy, or "*" for any authenticated caller. */
  trust: string[] | "*";
  requiredExternalId?: string;
  maxSessionDuration: number;
  requireMfa: boolean;
  /** When set, AssumeRoleWithWebIdentity accepts only these tokens; otherwise any token of legal length. */
  webIdentityTokens?: string[];
  /** When set, the audiences (client ids) the role's OIDC provider accepts: a JWT whose aud is none of them is refused. */
  webIdentityAudiences?: string[];
  /** When set, AssumeRoleWithSAML accepts only these assertions (base64 SAMLResponse) with this PrincipalArn. */
  saml?: { principalArn: string; assertions: string[] };
}

export interface RoleInput {
  arn: string;
  trust?: string[] | "*";
  requiredExternalId?: string;
  maxSessionDuration?: number;
  requireMfa?: boolean;
  webIdentityTokens?: string[];
  webIdentityAudiences?: string[];
  saml?: { principalArn: string; assertions: string[] };
}

export interface UserInput {
  userName: string;
  account?: string;
  /** Fixed keys, e.g. for a seed file a demo script knows; generated when absent. */
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** The authenticated caller of a signed request. */
export type Caller =
  | { kind: "long-term"; accessKeyId: string; key: AccessKey; identity: Identity }
  | { kind: "temporary"; accessKeyId: string; credential: TemporaryCredential; identity: Identity };

export interface IssueInput {
  identity: Identity;
  source: CredentialSource;
  durationSeconds: number;
  chained: boolean;
  mfaAuthenticated: boolean;
  issuedBy?: string;
}

const ROLE_ARN = /^arn:(aws[\w-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const USER_NAME = /^[\w+=,.@-]{1,64}$/;

export function parseRoleArn(arn: string): { partition: string; account: string; name: string } | undefined {
  const m = ROLE_ARN.exec(arn);
  return m ? { partition: m[1]!, account: m[2]!, name: m[3]! } : undefined;
}

export class EmulatorState {
  readonly clock = new Clock();
  readonly users = new Map<string, IamUser>();
  readonly accessKeys = new Map<string, AccessKey>();
  readonly temporaryCredentials = new Map<string, TemporaryCredential>();
  readonly roles = new Map<string, Role>();
  readonly mfaDevices = new Map<string, string>();
  /**
   * AWS accepts a code once: when set, a code already accepted for a device is refused on its next use
   * (off by default, as a device here shows the same code for ever).
   */
  oneTimeMfaCodes = false;
  private readonly usedMfaCodes = new Set<string>();
  /** When set, every credential STS issues expires this many seconds after issue, whatever was requested. */
  credentialLifetimeOverride: number | undefined;
  /** IAM Identity Center (SSO-OIDC and the SSO portal); its role credentials are issued through this state. */
  readonly sso = new SsoState(this);
  /** AWS Sign-In's OAuth service (`aws login`); its credentials act as the signed-in console identity. */
  readonly signin = new LoginState(this);

  now(): Date {
    return this.clock.now();
  }

  /** Adds (or reuses) the IAM user and gives it a new access key. */
  addUser(input: UserInput): AccessKey & { arn: string } {
    const account = input.account ?? DEFAULT_ACCOUNT;
    if (!USER_NAME.test(input.userName)) throw new Error(`invalid IAM user name: ${input.userName}`);
    if (!/^\d{12}$/.test(account)) throw new Error(`invalid account id: ${account}`);
    const arn = `arn:aws:iam::${account}:user/${input.userName}`;
    let user = this.users.get(arn);
    if (!user) {
      user = { userName: input.userName, account, arn, userId: ids.userUniqueId() };
      this.users.set(arn, user);
    }
    const accessKeyId = input.accessKeyId ?? ids.longTermKeyId();
    if (!accessKeyId.startsWith("AKIA")) throw new Error(`long-term access key ids start with AKIA: ${accessKeyId}`);
    if (this.accessKeys.has(accessKeyId)) throw new Error(`access key already exists: ${accessKeyId}`);
    const key: AccessKey = { accessKeyId, secretAccessKey: input.secretAccessKey ?? ids.secretAccessKey(), user };
    this.accessKeys.set(accessKeyId, key);
    return { ...key, arn };
  }

  /** Deletes a long-term key, as `aws iam delete-access-key` would; later calls with it get InvalidClientTokenId. */
  deleteAccessKey(accessKeyId: string): boolean {
    return this.accessKeys.delete(accessKeyId);
  }

  /**
   * Ends temporary credentials early at "AWS": `expire` makes later calls with them get ExpiredToken (as when
   * a session's lifetime was cut short), `revoke` makes them unknown (InvalidClientTokenId). Only the
   * credentials with `accessKeyId` when given, else every one issued so far; returns how many.
   */
  endTemporary(how: "expire" | "revoke", accessKeyId?: string): number {
    let n = 0;
    for (const [id, c] of this.temporaryCredentials) {
      if (accessKeyId !== undefined && id !== accessKeyId) continue;
      n++;
      if (how === "revoke") this.temporaryCredentials.delete(id);
      else c.expiration = new Date(Math.min(c.expiration.getTime(), this.now().getTime()));
    }
    return n;
  }

  addRole(input: RoleInput): Role {
    const parsed = parseRoleArn(input.arn);
    if (!parsed) throw new Error(`invalid role ARN: ${input.arn}`);
    const maxSessionDuration = input.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION;
    // IAM itself refuses a MaxSessionDuration outside 1–12 h.
    if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 3600 || maxSessionDuration > 43200) {
      throw new Error(`maxSessionDuration must be 3600–43200 seconds, got ${maxSessionDuration}`);
    }
    const role: Role = {
      arn: input.arn,
      name: parsed.name,
      account: parsed.account,
      roleId: this.roles.get(input.arn)?.roleId ?? ids.roleUniqueId(),
      trust: input.trust ?? "*",
      maxSessionDuration,
      requireMfa: input.requireMfa ?? false,
      ...(input.requiredExternalId !== undefined ? { requiredExternalId: input.requiredExternalId } : {}),
      ...(input.webIdentityTokens !== undefined ? { webIdentityTokens: input.webIdentityTokens } : {}),
      ...(input.webIdentityAudiences !== undefined ? { webIdentityAudiences: input.webIdentityAudiences } : {}),
      ...(input.saml !== undefined ? { saml: input.saml } : {}),
    };
    this.roles.set(role.arn, role);
    return role;
  }

  addMfaDevice(serial: string, code: string = DEFAULT_MFA_CODE): void {
    if (!/^\d{6}$/.test(code)) throw new Error("an MFA code is exactly 6 digits");
    this.mfaDevices.set(serial, code);
  }

  /** A registered device wants its own code; any other serial accepts DEFAULT_MFA_CODE. */
  mfaCodeMatches(serial: string, code: string): boolean {
    if ((this.mfaDevices.get(serial) ?? DEFAULT_MFA_CODE) !== code) return false;
    if (!this.oneTimeMfaCodes) return true;
    const key = `${serial}\n${code}`;
    if (this.usedMfaCodes.has(key)) return false;
    this.usedMfaCodes.add(key);
    return true;
  }

  userIdentity(user: IamUser): Identity {
    return { kind: "user", arn: user.arn, userId: user.userId, account: user.account, principalArn: user.arn };
  }

  assumedRoleIdentity(role: Role, sessionName: string): Identity {
    const partition = parseRoleArn(role.arn)?.partition ?? "aws";
    return {
      kind: "assumed-role",
      arn: `arn:${partition}:sts::${role.account}:assumed-role/${role.name}/${sessionName}`,
      userId: `${role.roleId}:${sessionName}`,
      account: role.account,
      principalArn: role.arn,
    };
  }

  federatedIdentity(account: string, name: string): Identity {
    const arn = `arn:aws:sts::${account}:federated-user/${name}`;
    return { kind: "federated-user", arn, userId: `${account}:${name}`, account, principalArn: arn };
  }

  issueTemporary(input: IssueInput): TemporaryCredential {
    const issuedAt = this.now();
    const lifetime = this.credentialLifetimeOverride ?? input.durationSeconds;
    // AWS reports Expiration with whole seconds; keep the stored instant identical to what the client sees.
    const expiration = new Date(Math.floor(issuedAt.getTime() / 1000) * 1000 + lifetime * 1000);
    const credential: TemporaryCredential = {
      accessKeyId: ids.temporaryKeyId(),
      secretAccessKey: ids.secretAccessKey(),
      sessionToken: ids.sessionToken(),
      expiration,
      issuedAt,
      identity: input.identity,
      source: input.source,
      chained: input.chained,
      mfaAuthenticated: input.mfaAuthenticated,
      ...(input.issuedBy !== undefined ? { issuedBy: input.issuedBy } : {}),
    };
    this.temporaryCredentials.set(credential.accessKeyId, credential);
    return credential;
  }
}
