// The STS operations sesame uses, with plain types, so nothing under credentials/ imports @aws-sdk/*.
import type { Credentials } from "../credentials/types.ts";

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

export interface StsAdapter {
  getSessionToken(creds: Credentials, region: string, p: { durationSeconds?: number; serialNumber?: string; tokenCode?: string }): Promise<Credentials>;
  assumeRole(creds: Credentials, region: string, p: AssumeRoleParams): Promise<Credentials>;
  getCallerIdentity(creds: Credentials, region: string): Promise<CallerIdentity>;
}
