// The STS operations sesame uses, with plain types, so nothing under credentials/ imports @aws-sdk/*.
import type { Credentials } from "../types.ts";

export interface AssumeRoleParams {
  roleArn: string;
  roleSessionName: string;
  externalId?: string;
  durationSeconds?: number;
  serialNumber?: string;
  tokenCode?: string;
}

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export interface FederationTokenParams {
  /** 2–32 characters from [\w+=,.@-]: the federated user's name */
  name: string;
  durationSeconds?: number;
  /** an inline session policy (JSON) */
  policy?: string;
  /** managed policies as session policies */
  policyArns?: string[];
}

export interface FederatedCredentials {
  credentials: Credentials;
  /** arn:aws:sts::ACCT:federated-user/NAME */
  arn: string;
}

/** AssumeRoleWithWebIdentity: unsigned; the token is the proof. */
export interface WebIdentityParams {
  roleArn: string;
  roleSessionName: string;
  webIdentityToken: string;
  durationSeconds?: number;
}

/** AssumeRoleWithSAML: unsigned; the base64 SAMLResponse is the proof. */
export interface SamlParams {
  roleArn: string;
  principalArn: string;
  samlAssertion: string;
  durationSeconds?: number;
}

/** `signer`: the session whose credentials sign the call, named in the fix of a refusal. */
export interface StsAdapter {
  getSessionToken(creds: Credentials, region: string, p: { durationSeconds?: number; serialNumber?: string; tokenCode?: string }, signer?: string): Promise<Credentials>;
  assumeRole(creds: Credentials, region: string, p: AssumeRoleParams, signer?: string): Promise<Credentials>;
  getCallerIdentity(creds: Credentials, region: string, signer?: string): Promise<CallerIdentity>;
  /** Must be called with an IAM user's long-lived key (STS refuses session credentials). */
  getFederationToken(creds: Credentials, region: string, p: FederationTokenParams, signer?: string): Promise<FederatedCredentials>;
  /** Unsigned: `session` is the web-identity session, named in the fix of a refusal. */
  assumeRoleWithWebIdentity(region: string, p: WebIdentityParams, session: string): Promise<Credentials>;
  /** Unsigned: `session` is the saml session, named in the fix of a refusal. */
  assumeRoleWithSaml(region: string, p: SamlParams, session: string): Promise<Credentials>;
}
