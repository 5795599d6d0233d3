// The validated catalog: what every other module works from. Key names follow ~/.aws/config.

export interface Defaults {
  region?: string;
  /** seconds */
  refreshMargin: number;
  /** seconds: a hop with less than this left is renewed while the caller waits; inside the refresh margin
   *  but above it, credential-process serves the entry and renews in the background ([defaults] renew_floor) */
  renewFloor: number;
}

export interface SsoSessionDef {
  name: string;
  sso_start_url: string;
  sso_region: string;
  sso_registration_scopes: string[];
  auto_login: boolean;
  /** also write the token to ~/.aws/sso/cache so `aws` commands share the login */
  share_with_aws_cli: boolean;
}

interface Base {
  name: string;
  region?: string;
}

export interface IamUserSession extends Base {
  type: "iam-user";
  mfa_serial?: string;
  /** a command whose stdout is the MFA code (a password manager's TOTP, ykman) */
  mfa_process?: string;
  duration_seconds?: number;
}

export interface AssumeRoleSession extends Base {
  type: "assume-role";
  source: string;
  role_arn: string;
  external_id?: string;
  role_session_name?: string;
  duration_seconds?: number;
  mfa_serial?: string;
  mfa_process?: string;
}

export interface SsoSession extends Base {
  type: "sso";
  sso_session: string;
  sso_account_id: string;
  sso_role_name: string;
}

export interface WebIdentitySession extends Base {
  type: "web-identity";
  role_arn: string;
  web_identity_token_file?: string;
  web_identity_token_command?: string;
  /** the token is asked of the GitHub Actions OIDC token service (neither file nor command set), for this audience */
  audience?: string;
  role_session_name?: string;
  duration_seconds?: number;
}

/** IAM Roles Anywhere: an X.509 certificate and its key exchanged for role credentials (CreateSession). */
export interface RolesAnywhereSession extends Base {
  type: "roles-anywhere";
  certificate: string;
  certificate_chain?: string;
  private_key: string;
  trust_anchor_arn: string;
  profile_arn: string;
  role_arn: string;
  role_session_name?: string;
  duration_seconds?: number;
}

export interface SamlSession extends Base {
  type: "saml";
  role_arn: string;
  /** the IAM SAML provider: arn:aws:iam::ACCOUNT:saml-provider/NAME */
  principal_arn: string;
  /** prints the base64 SAMLResponse on stdout; run on every renewal, its output never stored */
  saml_assertion_command: string;
  duration_seconds?: number;
}

/**
 * AWS console credentials (`aws login`): a browser sign-in to AWS Sign-In gives 15-minute credentials and a
 * refresh token bound to a DPoP key, renewed for up to 12 hours; both are kept in the keyring.
 */
export interface AwsLoginSession extends Base {
  type: "aws-login";
  /** the console identity signed in (the AWS CLI's login_session): a sign-in as anyone else is refused */
  login_session?: string;
  /** also keep the AWS CLI's login cache (~/.aws/login/cache) current, and take over its refreshes */
  share_with_aws_cli: boolean;
}

export type Session = IamUserSession | AssumeRoleSession | SsoSession | WebIdentitySession | SamlSession | RolesAnywhereSession | AwsLoginSession;
export type SessionType = Session["type"];

export interface Catalog {
  file: string;
  defaults: Defaults;
  ssoSessions: Map<string, SsoSessionDef>;
  sessions: Map<string, Session>;
}

/** Account id a session reaches, when the catalog says it. */
export function accountOf(s: Session): string | undefined {
  switch (s.type) {
    case "assume-role":
    case "web-identity":
    case "roles-anywhere":
    case "saml":
      return s.role_arn.split(":")[4];
    case "sso":
      return s.sso_account_id;
    case "iam-user":
      return s.mfa_serial?.startsWith("arn:") ? s.mfa_serial.split(":")[4] : undefined;
    case "aws-login":
      return s.login_session?.split(":")[4];
  }
}

/** Role (or user) a session stands for, for display. */
export function roleOf(s: Session): string | undefined {
  switch (s.type) {
    case "assume-role":
    case "web-identity":
    case "roles-anywhere":
    case "saml":
      return s.role_arn.slice(s.role_arn.indexOf(":role/") + 6);
    case "sso":
      return s.sso_role_name;
    case "iam-user":
      return undefined;
    case "aws-login":
      // arn:aws:iam::ACCOUNT:user/NAME → user/NAME; …:assumed-role/ROLE/SESSION → ROLE
      return s.login_session ? loginSessionRole(s.login_session) : undefined;
  }
}

/** The role or user a console sign-in ARN stands for, for display. */
export function loginSessionRole(arn: string): string {
  const res = arn.split(":").slice(5).join(":");
  const m = /^assumed-role\/([^/]+)\//.exec(res);
  return m ? m[1]! : res;
}

/**
 * The refresh margin and renew floor of one hop. aws-login credentials last only 15 minutes: they are
 * renewed with 5 minutes left, as the AWS SDKs do, in the background from then until 1 minute is left.
 */
export function hopMargins(s: Session, d: Defaults, given: { refreshMargin: number; renewFloor?: number } = d): { refreshMargin: number; renewFloor: number } {
  const renewFloor = given.renewFloor ?? d.renewFloor;
  if (s.type !== "aws-login") return { refreshMargin: given.refreshMargin, renewFloor };
  return { refreshMargin: Math.min(given.refreshMargin, 300), renewFloor: Math.min(renewFloor, 60) };
}
