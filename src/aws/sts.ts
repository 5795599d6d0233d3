// Thin adapter over @aws-sdk/client-sts. This file must be loaded dynamically (await import()):
// the SDK is evaluated only when a hop is really fetched, never on a cache hit.
import { AssumeRoleCommand, GetCallerIdentityCommand, GetFederationTokenCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import type { Credentials as StsCreds } from "@aws-sdk/client-sts";
import type { Credentials } from "../credentials/types.ts";
import { clientConfig } from "./client-config.ts";
import { endpointOverride } from "./endpoints.ts";
import { toSesameError } from "./errors.ts";
import type { StsAdapter } from "./sts-types.ts";

function client(creds: Credentials, region: string, env: Record<string, string | undefined>): STSClient {
  const endpoint = endpointOverride("STS", env);
  return new STSClient({
    ...clientConfig(region, endpoint),
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) },
  });
}

function toCreds(c: StsCreds | undefined, op: string): Credentials {
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw toSesameError(new Error(`STS ${op} answered without credentials`), "STS", op);
  }
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: new Date(c.Expiration) };
}

export function stsAdapter(env: Record<string, string | undefined> = process.env): StsAdapter {
  return {
    async getSessionToken(creds, region, p) {
      try {
        const out = await client(creds, region, env).send(new GetSessionTokenCommand({ DurationSeconds: p.durationSeconds, SerialNumber: p.serialNumber, TokenCode: p.tokenCode }));
        return toCreds(out.Credentials, "GetSessionToken");
      } catch (e) {
        throw toSesameError(e, "STS", "GetSessionToken", endpointOverride("STS", env));
      }
    },
    async assumeRole(creds, region, p) {
      try {
        const out = await client(creds, region, env).send(
          new AssumeRoleCommand({
            RoleArn: p.roleArn,
            RoleSessionName: p.roleSessionName,
            ExternalId: p.externalId,
            DurationSeconds: p.durationSeconds,
            SerialNumber: p.serialNumber,
            TokenCode: p.tokenCode,
          }),
        );
        return toCreds(out.Credentials, "AssumeRole");
      } catch (e) {
        throw toSesameError(e, "STS", "AssumeRole", endpointOverride("STS", env));
      }
    },
    async getCallerIdentity(creds, region) {
      try {
        const out = await client(creds, region, env).send(new GetCallerIdentityCommand({}));
        return { account: out.Account ?? "", arn: out.Arn ?? "", userId: out.UserId ?? "" };
      } catch (e) {
        throw toSesameError(e, "STS", "GetCallerIdentity", endpointOverride("STS", env));
      }
    },
    async getFederationToken(creds, region, p) {
      try {
        const out = await client(creds, region, env).send(
          new GetFederationTokenCommand({
            Name: p.name,
            DurationSeconds: p.durationSeconds,
            Policy: p.policy,
            PolicyArns: p.policyArns?.map((arn) => ({ arn })),
          }),
        );
        return { credentials: toCreds(out.Credentials, "GetFederationToken"), arn: out.FederatedUser?.Arn ?? "" };
      } catch (e) {
        throw toSesameError(e, "STS", "GetFederationToken", endpointOverride("STS", env));
      }
    },
  };
}
