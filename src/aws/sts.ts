// Thin adapter over @aws-sdk/client-sts. This file must be loaded dynamically (await import()):
// the SDK is evaluated only when a hop is really fetched, never on a cache hit.
import { AssumeRoleCommand, AssumeRoleWithSAMLCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, GetFederationTokenCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import type { Credentials as StsCreds } from "@aws-sdk/client-sts";
import type { Credentials } from "../types.ts";
import { callOptions, clientConfig, NO_CREDENTIALS } from "./client-config.ts";
import { endpointOverride } from "./endpoints.ts";
import { type CallContext, toSesameError } from "./errors.ts";
import type { StsAdapter } from "./sts-types.ts";
import type { Env } from "../types.ts";

function client(creds: Credentials, region: string, env: Env): STSClient {
  const endpoint = endpointOverride("STS", env);
  return new STSClient({
    ...clientConfig(region, endpoint, env),
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) },
  });
}

/** One call per client, then the client goes: its keep-alive socket and agent must not outlive the call
 *  (a long-running `sesame serve` renews for days; each renewal would otherwise leave one behind). */
async function sendOnce<T>(c: STSClient, send: (c: STSClient) => Promise<T>): Promise<T> {
  try {
    return await send(c);
  } finally {
    c.destroy();
  }
}

/** For the unsigned operations (the SDK's auth scheme for them is noAuth): never any credentials. */
function unsignedClient(region: string, env: Env): STSClient {
  return new STSClient({ ...clientConfig(region, endpointOverride("STS", env), env), credentials: NO_CREDENTIALS });
}

function toCreds(c: StsCreds | undefined, op: string): Credentials {
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw toSesameError(new Error(`STS ${op} answered without credentials`), "STS", op);
  }
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: new Date(c.Expiration) };
}

export function stsAdapter(env: Env = process.env): StsAdapter {
  /** One call: the SDK's exceptions become one-line SesameErrors naming the operation. */
  const call = async <T>(op: string, creds: Credentials, ctx: { signer?: string; tokenCode?: string }, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      const c: CallContext = { longLived: !creds.sessionToken, mfa: !!ctx.tokenCode, ...(ctx.signer ? { signer: ctx.signer } : {}) };
      throw toSesameError(e, "STS", op, endpointOverride("STS", env), c);
    }
  };
  return {
    getSessionToken: (creds, region, p, signer) =>
      call("GetSessionToken", creds, { signer, tokenCode: p.tokenCode }, async () => {
        const out = await sendOnce(client(creds, region, env), (c) => c.send(new GetSessionTokenCommand({ DurationSeconds: p.durationSeconds, SerialNumber: p.serialNumber, TokenCode: p.tokenCode }), callOptions()));
        return toCreds(out.Credentials, "GetSessionToken");
      }),
    assumeRole: (creds, region, p, signer) =>
      call("AssumeRole", creds, { signer, tokenCode: p.tokenCode }, async () => {
        const input = { RoleArn: p.roleArn, RoleSessionName: p.roleSessionName, ExternalId: p.externalId, DurationSeconds: p.durationSeconds, SerialNumber: p.serialNumber, TokenCode: p.tokenCode };
        const out = await sendOnce(client(creds, region, env), (c) => c.send(new AssumeRoleCommand(input), callOptions()));
        return toCreds(out.Credentials, "AssumeRole");
      }),
    getCallerIdentity: (creds, region, signer) =>
      call("GetCallerIdentity", creds, { signer }, async () => {
        const out = await sendOnce(client(creds, region, env), (c) => c.send(new GetCallerIdentityCommand({}), callOptions()));
        return { account: out.Account ?? "", arn: out.Arn ?? "", userId: out.UserId ?? "" };
      }),
    getFederationToken: (creds, region, p, signer) =>
      call("GetFederationToken", creds, { signer }, async () => {
        const input = { Name: p.name, DurationSeconds: p.durationSeconds, Policy: p.policy, PolicyArns: p.policyArns?.map((arn) => ({ arn })) };
        const out = await sendOnce(client(creds, region, env), (c) => c.send(new GetFederationTokenCommand(input), callOptions()));
        return { credentials: toCreds(out.Credentials, "GetFederationToken"), arn: out.FederatedUser?.Arn ?? "" };
      }),
    assumeRoleWithWebIdentity: async (region, p, session) => {
      try {
        const input = { RoleArn: p.roleArn, RoleSessionName: p.roleSessionName, WebIdentityToken: p.webIdentityToken, DurationSeconds: p.durationSeconds };
        const out = await unsignedClient(region, env).send(new AssumeRoleWithWebIdentityCommand(input), callOptions());
        return toCreds(out.Credentials, "AssumeRoleWithWebIdentity");
      } catch (e) {
        throw toSesameError(e, "STS", "AssumeRoleWithWebIdentity", endpointOverride("STS", env), { signer: session });
      }
    },
    assumeRoleWithSaml: async (region, p, session) => {
      try {
        const input = { RoleArn: p.roleArn, PrincipalArn: p.principalArn, SAMLAssertion: p.samlAssertion, DurationSeconds: p.durationSeconds };
        const out = await unsignedClient(region, env).send(new AssumeRoleWithSAMLCommand(input), callOptions());
        return toCreds(out.Credentials, "AssumeRoleWithSAML");
      } catch (e) {
        throw toSesameError(e, "STS", "AssumeRoleWithSAML", endpointOverride("STS", env), { signer: session });
      }
    },
  };
}
