// The STS emulator driven by real clients: aws-sdk-js-v3, AWS CLI v2 and botocore. If they accept the
// emulator's answers (and refuse its errors the way they refuse AWS's), the emulator is faithful enough.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  type Credentials,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  STSClient,
} from "@aws-sdk/client-sts";
import { type CreatedUser, type Emulator, startEmulator } from "./index.ts";
import { AWS_CLI, SYSTEM_PYTHON, hasAwsCli, hasBotocore, run, withTool } from "./external-tools.ts";

const REGION = "eu-west-1";
const ACCOUNT = "111122223333";
const roleArn = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;

interface KeyPair {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

function keysOf(c: Credentials | undefined): KeyPair {
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error("response carried no credentials");
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

function stsClient(emu: Emulator, creds?: KeyPair): STSClient {
  return new STSClient({ region: REGION, endpoint: emu.url, ...(creds ? { credentials: creds } : {}) });
}

interface SdkFailure {
  name: string;
  code: unknown;
  message: string;
  status: number | undefined;
}

/** Runs a call that must fail and returns what the SDK surfaced. */
async function sdkFailure(call: Promise<unknown>): Promise<SdkFailure> {
  try {
    await call;
  } catch (e) {
    const err = e as Error & { Code?: unknown; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, code: err.Code, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error("the call was expected to fail but succeeded");
}

const seconds = (later: Date, earlier: Date) => Math.round((later.getTime() - earlier.getTime()) / 1000);

describe("aws-sdk-js-v3 against the emulator", () => {
  let emu: Emulator;
  let alice: CreatedUser;

  beforeAll(async () => {
    emu = await startEmulator();
    alice = emu.addUser({ userName: "alice", account: ACCOUNT });
  });
  afterAll(() => emu.stop());
  beforeEach(() => {
    emu.resetCalls();
    emu.faults.clear();
    emu.setCredentialLifetime(undefined);
  });

  test("GetSessionToken issues ASIA credentials for the requested duration (default 12 h)", async () => {
    const client = stsClient(emu, alice);
    const out = await client.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const c = out.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(c.SecretAccessKey).toHaveLength(40);
    expect(c.SessionToken!.length).toBeGreaterThan(200);
    expect(seconds(c.Expiration!, emu.now())).toBeGreaterThanOrEqual(899);
    expect(seconds(c.Expiration!, emu.now())).toBeLessThanOrEqual(900);

    const byDefault = await client.send(new GetSessionTokenCommand({}));
    expect(seconds(byDefault.Credentials!.Expiration!, emu.now())).toBeGreaterThanOrEqual(43199);

    const who = await stsClient(emu, keysOf(c)).send(new GetCallerIdentityCommand({}));
    expect(who).toMatchObject({ Arn: `arn:aws:iam::${ACCOUNT}:user/alice`, Account: ACCOUNT, UserId: expect.stringMatching(/^AIDA/) });
    expect(emu.callsFor("GetSessionToken").map((c) => [c.accessKeyId, c.status])).toEqual([
      [alice.accessKeyId, 200],
      [alice.accessKeyId, 200],
    ]);
    expect(emu.callsFor("GetCallerIdentity")[0]!.accessKeyId).toBe(c.AccessKeyId!);
  });

  test("GetSessionToken with session credentials is AccessDenied", async () => {
    const session = await stsClient(emu, alice).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const failure = await sdkFailure(stsClient(emu, keysOf(session.Credentials)).send(new GetSessionTokenCommand({})));
    expect(failure).toEqual({
      name: "AccessDenied",
      code: "AccessDenied",
      message: "Cannot call GetSessionToken with session credentials",
      status: 403,
    });
  });

  test("AssumeRole chain of 3 hops, each signed by the previous hop's credentials", async () => {
    emu.addRole({ arn: roleArn("Hop1"), trust: [alice.arn] });
    emu.addRole({ arn: roleArn("Hop2"), trust: [roleArn("Hop1")] });
    emu.addRole({ arn: roleArn("Hop3"), trust: [roleArn("Hop2")] });

    let creds: KeyPair = alice;
    const issued: string[] = [];
    for (const hop of ["Hop1", "Hop2", "Hop3"]) {
      const out = await stsClient(emu, creds).send(new AssumeRoleCommand({ RoleArn: roleArn(hop), RoleSessionName: `s-${hop}` }));
      expect(out.AssumedRoleUser).toEqual({
        Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${hop}/s-${hop}`,
        AssumedRoleId: expect.stringMatching(new RegExp(`^AROA[A-Z2-7]{17}:s-${hop}$`)),
      });
      expect(seconds(out.Credentials!.Expiration!, emu.now())).toBeGreaterThanOrEqual(3599);
      creds = keysOf(out.Credentials);
      issued.push(creds.accessKeyId);
    }

    const signers = emu.callsFor("AssumeRole").map((c) => c.accessKeyId);
    expect(signers).toEqual([alice.accessKeyId, issued[0], issued[1]]);
    expect(emu.callsFor("AssumeRole").map((c) => c.params.RoleArn)).toEqual(["Hop1", "Hop2", "Hop3"].map((r) => roleArn(r)));
    expect(emu.state.temporaryCredentials.get(issued[2]!)).toMatchObject({ chained: true, issuedBy: issued[1] });

    const who = await stsClient(emu, creds).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Hop3/s-Hop3`);
    expect(who.Account).toBe(ACCOUNT);
  });

  test("trust policy: a principal the role does not trust gets AWS's AccessDenied message", async () => {
    emu.addRole({ arn: roleArn("OnlyBob"), trust: [`arn:aws:iam::${ACCOUNT}:user/bob`] });
    const failure = await sdkFailure(
      stsClient(emu, alice).send(new AssumeRoleCommand({ RoleArn: roleArn("OnlyBob"), RoleSessionName: "x1" })),
    );
    expect(failure).toEqual({
      name: "AccessDenied",
      code: "AccessDenied",
      message: `User: ${alice.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn("OnlyBob")}`,
      status: 403,
    });
    emu.addRole({ arn: roleArn("WholeAccount"), trust: [`arn:aws:iam::${ACCOUNT}:root`] });
    const ok = await stsClient(emu, alice).send(new AssumeRoleCommand({ RoleArn: roleArn("WholeAccount"), RoleSessionName: "x2" }));
    expect(ok.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/WholeAccount/x2`);
  });

  test("ExternalId: missing or wrong is AccessDenied, the right one succeeds", async () => {
    const arn = roleArn("ThirdParty", "444455556666");
    emu.addRole({ arn, requiredExternalId: "ext-123" });
    const client = stsClient(emu, alice);
    const missing = await sdkFailure(client.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "vendor" })));
    expect(missing).toMatchObject({
      name: "AccessDenied",
      status: 403,
      message: `User: ${alice.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
    });
    const wrong = await sdkFailure(client.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "vendor", ExternalId: "ext-999" })));
    expect(wrong.name).toBe("AccessDenied");
    const ok = await client.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "vendor", ExternalId: "ext-123" }));
    expect(ok.AssumedRoleUser?.Arn).toBe("arn:aws:sts::444455556666:assumed-role/ThirdParty/vendor");
  });

  test("duration limits: role chaining caps at 1 h, MaxSessionDuration caps the rest", async () => {
    emu.addRole({ arn: roleArn("Long"), maxSessionDuration: 43200 });
    emu.addRole({ arn: roleArn("Short") });
    const direct = stsClient(emu, alice);
    const twelveHours = await direct.send(new AssumeRoleCommand({ RoleArn: roleArn("Long"), RoleSessionName: "direct", DurationSeconds: 43200 }));
    expect(seconds(twelveHours.Credentials!.Expiration!, emu.now())).toBeGreaterThanOrEqual(43199);

    const chained = stsClient(emu, keysOf(twelveHours.Credentials));
    const failure = await sdkFailure(
      chained.send(new AssumeRoleCommand({ RoleArn: roleArn("Long"), RoleSessionName: "chain", DurationSeconds: 3601 })),
    );
    expect(failure).toEqual({
      name: "ValidationError",
      code: "ValidationError",
      message: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
      status: 400,
    });
    await chained.send(new AssumeRoleCommand({ RoleArn: roleArn("Long"), RoleSessionName: "chain", DurationSeconds: 3600 }));

    const overMax = await sdkFailure(
      direct.send(new AssumeRoleCommand({ RoleArn: roleArn("Short"), RoleSessionName: "direct", DurationSeconds: 7200 })),
    );
    expect(overMax).toMatchObject({
      name: "ValidationError",
      status: 400,
      message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    });
  });

  test("model constraints are ValidationError with AWS's wording", async () => {
    emu.addRole({ arn: roleArn("Any") });
    const failure = await sdkFailure(
      stsClient(emu, alice).send(new AssumeRoleCommand({ RoleArn: roleArn("Any"), RoleSessionName: "has space" })),
    );
    expect(failure).toMatchObject({
      name: "ValidationError",
      status: 400,
      message:
        "1 validation error detected: Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    });
  });

  test("MFA: GetSessionToken checks the code; a role requiring MFA accepts an MFA session", async () => {
    const serial = `arn:aws:iam::${ACCOUNT}:mfa/alice`;
    emu.addMfaDevice(serial, "246810");
    emu.addRole({ arn: roleArn("NeedsMfa"), requireMfa: true });
    const client = stsClient(emu, alice);
    const wrong = await sdkFailure(client.send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: "123456" })));
    expect(wrong).toMatchObject({
      name: "AccessDenied",
      status: 403,
      message: "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    });
    const noMfa = await sdkFailure(client.send(new AssumeRoleCommand({ RoleArn: roleArn("NeedsMfa"), RoleSessionName: "mfa" })));
    expect(noMfa.name).toBe("AccessDenied");

    const session = await client.send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: "246810", DurationSeconds: 900 }));
    const viaSession = await stsClient(emu, keysOf(session.Credentials)).send(
      new AssumeRoleCommand({ RoleArn: roleArn("NeedsMfa"), RoleSessionName: "mfa" }),
    );
    expect(viaSession.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/NeedsMfa/mfa`);
    const direct = await client.send(
      new AssumeRoleCommand({ RoleArn: roleArn("NeedsMfa"), RoleSessionName: "mfa", SerialNumber: serial, TokenCode: "246810" }),
    );
    expect(direct.Credentials?.AccessKeyId).toMatch(/^ASIA/);
  });

  test("a wrong secret is SignatureDoesNotMatch, an unknown key InvalidClientTokenId", async () => {
    const badSecret = await sdkFailure(
      stsClient(emu, { accessKeyId: alice.accessKeyId, secretAccessKey: "x".repeat(40) }).send(new GetCallerIdentityCommand({})),
    );
    expect(badSecret).toEqual({
      name: "SignatureDoesNotMatch",
      code: "SignatureDoesNotMatch",
      message:
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
      status: 403,
    });
    const unknown = await sdkFailure(
      stsClient(emu, { accessKeyId: "AKIAUNKNOWNUNKNOWN00", secretAccessKey: alice.secretAccessKey }).send(new GetCallerIdentityCommand({})),
    );
    expect(unknown).toEqual({
      name: "InvalidClientTokenId",
      code: "InvalidClientTokenId",
      message: "The security token included in the request is invalid.",
      status: 403,
    });
    const session = await stsClient(emu, alice).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const { sessionToken: _dropped, ...withoutToken } = keysOf(session.Credentials);
    const noToken = await sdkFailure(stsClient(emu, withoutToken).send(new GetCallerIdentityCommand({})));
    expect(noToken).toMatchObject({ name: "InvalidClientTokenId", status: 403 });
  });

  test("a throttled call is retried by the SDK until it succeeds", async () => {
    emu.faults.throttle("GetCallerIdentity", 2);
    const who = await stsClient(emu, alice).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(alice.arn);
    expect(emu.callsFor("GetCallerIdentity").map((c) => [c.status, c.errorCode])).toEqual([
      [400, "Throttling"],
      [400, "Throttling"],
      [200, undefined],
    ]);
    expect(emu.faults.list()).toEqual([]);
  });

  test("a 5xx fault is retried; a persistent custom error surfaces with its code and status", async () => {
    emu.faults.serverError("GetCallerIdentity", 1, "ServiceUnavailable");
    await stsClient(emu, alice).send(new GetCallerIdentityCommand({}));
    expect(emu.callsFor("GetCallerIdentity").map((c) => c.status)).toEqual([503, 200]);

    emu.faults.error("AssumeRole", "RegionDisabledException", "STS is not activated in this region for account:111122223333.", 403, 5);
    emu.addRole({ arn: roleArn("Any") });
    const failure = await sdkFailure(stsClient(emu, alice).send(new AssumeRoleCommand({ RoleArn: roleArn("Any"), RoleSessionName: "rr" })));
    expect(failure).toMatchObject({ name: "RegionDisabledException", status: 403 });
    expect(emu.callsFor("AssumeRole")).toHaveLength(1);
  });

  test("a delay fault holds the answer and is consumed", async () => {
    emu.faults.delay("GetCallerIdentity", 20);
    const who = await stsClient(emu, alice).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(alice.arn);
    expect(emu.faults.list()).toEqual([]);
    expect(emu.callsFor("GetCallerIdentity")).toHaveLength(1);
  });

  test("AssumeRoleWithWebIdentity is unsigned and reports the token's claims", async () => {
    emu.addRole({ arn: roleArn("WebRole") });
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const jwt = `${b64({ alg: "RS256" })}.${b64({ sub: "user-42", aud: "my-app", iss: "https://token.actions.githubusercontent.com" })}.sig`;
    const out = await stsClient(emu).send(
      new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn("WebRole"), RoleSessionName: "gha", WebIdentityToken: jwt }),
    );
    expect(out).toMatchObject({
      SubjectFromWebIdentityToken: "user-42",
      Audience: "my-app",
      Provider: "token.actions.githubusercontent.com",
      AssumedRoleUser: { Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/WebRole/gha` },
    });
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const [call] = emu.callsFor("AssumeRoleWithWebIdentity");
    expect(call).toMatchObject({ status: 200 });
    expect(call!.accessKeyId).toBeUndefined();

    emu.addRole({ arn: roleArn("PickyWebRole"), webIdentityTokens: ["expected-token"] });
    const refused = await sdkFailure(
      stsClient(emu).send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn("PickyWebRole"), RoleSessionName: "xx", WebIdentityToken: "other-token" })),
    );
    expect(refused).toMatchObject({ name: "AccessDenied", status: 403 });
  });

  test("GetFederationToken issues a federated-user session that cannot assume roles", async () => {
    const out = await stsClient(emu, alice).send(new GetFederationTokenCommand({ Name: "bob", DurationSeconds: 900 }));
    expect(out.FederatedUser).toEqual({ Arn: `arn:aws:sts::${ACCOUNT}:federated-user/bob`, FederatedUserId: `${ACCOUNT}:bob` });
    const fed = stsClient(emu, keysOf(out.Credentials));
    expect((await fed.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${ACCOUNT}:federated-user/bob`);
    emu.addRole({ arn: roleArn("Any") });
    const failure = await sdkFailure(fed.send(new AssumeRoleCommand({ RoleArn: roleArn("Any"), RoleSessionName: "fed" })));
    expect(failure.name).toBe("AccessDenied");
  });

  test("the credential lifetime override makes STS issue short-lived credentials", async () => {
    emu.setCredentialLifetime(5);
    const out = await stsClient(emu, alice).send(new GetSessionTokenCommand({ DurationSeconds: 3600 }));
    expect(seconds(out.Credentials!.Expiration!, emu.now())).toBeLessThanOrEqual(5);
    expect(seconds(out.Credentials!.Expiration!, emu.now())).toBeGreaterThanOrEqual(4);
  });
});

describe("wire format", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.stop());

  test("an unsigned signed-operation gets the Query error envelope, 403, request id header", async () => {
    const res = await fetch(emu.url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("text/xml");
    const requestId = res.headers.get("x-amzn-requestid");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const body = await res.text();
    expect(body).toContain('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
    expect(body).toContain(
      "<Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code><Message>Request is missing Authentication Token</Message></Error>",
    );
    expect(body).toContain(`<RequestId>${requestId}</RequestId>`);
  });

  test("an unknown action or version is InvalidAction", async () => {
    const res = await fetch(emu.url, { method: "POST", body: "Action=DescribeThings&Version=2011-06-15" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>InvalidAction</Code><Message>Could not find operation DescribeThings for version 2011-06-15</Message>");
  });

  test("the Date header carries the emulator clock", async () => {
    emu.advanceClock(7200);
    const res = await fetch(emu.url, { method: "POST", body: "Action=GetCallerIdentity&Version=2011-06-15" });
    const served = Date.parse(res.headers.get("date")!);
    expect(Math.abs(served - emu.now().getTime())).toBeLessThan(2000);
    expect(served - Date.now()).toBeGreaterThan(7000 * 1000);
  });
});

describe("emulator clock with aws-sdk-js-v3", () => {
  let emu: Emulator;
  let carol: CreatedUser;
  beforeAll(async () => {
    emu = await startEmulator();
    carol = emu.addUser({ userName: "carol", account: ACCOUNT });
  });
  afterAll(() => emu.stop());

  test("credentials used after their expiration are refused with ExpiredToken", async () => {
    const session = await stsClient(emu, carol).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const client = stsClient(emu, keysOf(session.Credentials));
    await client.send(new GetCallerIdentityCommand({}));
    emu.advanceClock(901);
    const failure = await sdkFailure(client.send(new GetCallerIdentityCommand({})));
    expect(failure).toEqual({
      name: "ExpiredToken",
      code: "ExpiredToken",
      message: "The security token included in the request is expired",
      status: 403,
    });
  });

  test("a client more than 15 min behind the emulator is refused, then corrects its clock from the Date header", async () => {
    emu.resetCalls();
    emu.advanceClock(1200);
    const who = await stsClient(emu, carol).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(carol.arn);
    const calls = emu.callsFor("GetCallerIdentity");
    expect(calls.map((c) => [c.status, c.errorCode])).toEqual([
      [403, "SignatureDoesNotMatch"],
      [200, undefined],
    ]);
  });
});

// --- the AWS CLI and botocore --------------------------------------------------------------------------------

describe("AWS CLI v2 and botocore against the emulator", () => {
  let emu: Emulator;
  let dave: CreatedUser;
  let home: string;
  let env: (keys: KeyPair) => Record<string, string>;

  beforeAll(async () => {
    emu = await startEmulator();
    dave = emu.addUser({ userName: "dave", account: ACCOUNT });
    emu.addRole({ arn: roleArn("CliRole"), trust: [dave.arn] });
    emu.addRole({ arn: roleArn("Forbidden"), trust: [] });
    home = mkdtempSync(join(tmpdir(), "emulator-cli-home-"));
    const config = join(home, "config");
    const credentials = join(home, "credentials");
    writeFileSync(config, "");
    writeFileSync(credentials, "");
    // A minimal environment: nothing from the developer's AWS setup may leak into these processes.
    env = (keys) => ({
      PATH: "/usr/bin:/bin",
      HOME: home,
      LANG: "C.UTF-8",
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: credentials,
      AWS_ACCESS_KEY_ID: keys.accessKeyId,
      AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
      ...(keys.sessionToken ? { AWS_SESSION_TOKEN: keys.sessionToken } : {}),
      AWS_DEFAULT_REGION: REGION,
      AWS_PAGER: "",
      AWS_EC2_METADATA_DISABLED: "true",
      EMULATOR_URL: emu.url,
    });
  });
  afterAll(async () => {
    await emu.stop();
    rmSync(home, { recursive: true, force: true });
  });

  const aws = (keys: KeyPair, ...args: string[]) =>
    run(AWS_CLI, ["sts", ...args, "--endpoint-url", emu.url, "--output", "json"], env(keys));

  withTool(hasAwsCli, AWS_CLI, "aws sts get-caller-identity", async () => {
    const out = await aws(dave, "get-caller-identity");
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual({ UserId: expect.stringMatching(/^AIDA/), Account: ACCOUNT, Arn: dave.arn });
    expect(emu.callsFor("GetCallerIdentity").at(-1)).toMatchObject({ accessKeyId: dave.accessKeyId, status: 200 });
  });

  withTool(hasAwsCli, AWS_CLI, "aws sts assume-role, then get-caller-identity with the role session", async () => {
    const out = await aws(dave, "assume-role", "--role-arn", roleArn("CliRole"), "--role-session-name", "cli", "--duration-seconds", "900");
    expect(out.code).toBe(0);
    const parsed = JSON.parse(out.stdout) as {
      Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string };
      AssumedRoleUser: { Arn: string };
    };
    expect(parsed.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/CliRole/cli`);
    expect(parsed.Credentials.AccessKeyId).toMatch(/^ASIA/);
    expect(Number.isNaN(Date.parse(parsed.Credentials.Expiration))).toBe(false);

    const session = {
      accessKeyId: parsed.Credentials.AccessKeyId,
      secretAccessKey: parsed.Credentials.SecretAccessKey,
      sessionToken: parsed.Credentials.SessionToken,
    };
    const who = await aws(session, "get-caller-identity");
    expect(JSON.parse(who.stdout).Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/CliRole/cli`);
  });

  withTool(hasAwsCli, AWS_CLI, "aws sts assume-role on an untrusting role fails with AccessDenied", async () => {
    const out = await aws(dave, "assume-role", "--role-arn", roleArn("Forbidden"), "--role-session-name", "cli");
    expect(out.code).toBe(254);
    expect(out.stderr).toContain("(AccessDenied) when calling the AssumeRole operation");
    expect(out.stderr).toContain(`User: ${dave.arn} is not authorized to perform: sts:AssumeRole`);
  });

  withTool(hasBotocore, `${SYSTEM_PYTHON} with botocore`, "botocore get_session_token and assume_role", async () => {
    const script = `
import json, os, botocore.session
from botocore.exceptions import ClientError
s = botocore.session.get_session()
def client(key, secret, token=None):
    return s.create_client("sts", region_name="${REGION}", endpoint_url=os.environ["EMULATOR_URL"],
        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)
user = client(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
gst = user.get_session_token(DurationSeconds=900)["Credentials"]
sess = client(gst["AccessKeyId"], gst["SecretAccessKey"], gst["SessionToken"])
ar = sess.assume_role(RoleArn="${roleArn("CliRole")}", RoleSessionName="py")
try:
    sess.assume_role(RoleArn="${roleArn("CliRole")}", RoleSessionName="py", DurationSeconds=7200)
    err = None
except ClientError as e:
    err = {"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"], "message": e.response["Error"]["Message"]}
print(json.dumps({"gst": gst["AccessKeyId"], "gstExpiration": gst["Expiration"].isoformat(),
    "arn": ar["AssumedRoleUser"]["Arn"], "roleKey": ar["Credentials"]["AccessKeyId"], "error": err}))
`;
    const out = await run(SYSTEM_PYTHON, ["-c", script], env(dave));
    expect(out.stderr).toBe("");
    const result = JSON.parse(out.stdout) as { gst: string; gstExpiration: string; arn: string; roleKey: string; error: unknown };
    expect(result.gst).toMatch(/^ASIA/);
    expect(result.gstExpiration).toMatch(/\+00:00$/);
    expect(result.arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/CliRole/py`);
    expect(result.error).toEqual({
      code: "ValidationError",
      status: 400,
      message: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    });
    // botocore signed the assume_role calls with the GetSessionToken key and its session token.
    expect(emu.callsFor("AssumeRole").filter((c) => c.accessKeyId === result.gst)).toHaveLength(2);
  });
});
