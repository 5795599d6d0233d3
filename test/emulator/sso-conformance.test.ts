// The IAM Identity Center emulation (SSO-OIDC + SSO portal) driven by real clients: @aws-sdk/client-sso-oidc,
// @aws-sdk/client-sso (with its paginators), @aws-sdk/client-sts for the role credentials, and AWS CLI v2.
// If they accept the emulator's answers and surface its errors the way they surface AWS's, it is faithful enough.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { execFile } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GetRoleCredentialsCommand,
  ListAccountsCommand,
  LogoutCommand,
  paginateListAccountRoles,
  paginateListAccounts,
  SSOClient,
} from "@aws-sdk/client-sso";
import {
  CreateTokenCommand,
  type CreateTokenCommandOutput,
  RegisterClientCommand,
  type RegisterClientCommandOutput,
  SSOOIDCClient,
  StartDeviceAuthorizationCommand,
} from "@aws-sdk/client-sso-oidc";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { ACCOUNT_ACCESS_SCOPE, type Emulator, GRANT_DEVICE_CODE, startEmulator } from "./index.ts";
import { AWS_CLI, SYSTEM_PYTHON, hasAwsCli, hasBotocore, run, type Run, withTool } from "./external-tools.ts";

const REGION = "eu-west-1";
const START_URL = "https://d-1234567890.awsapps.com/start";
const DEV = "111111111111";
const PROD = "222222222222";
const SSO_ROLE_ARN = (account: string, role: string, user: string) =>
  new RegExp(`^arn:aws:sts::${account}:assumed-role/AWSReservedSSO_${role}_[0-9a-f]{16}/${user.replace(/[.+]/g, "\\$&")}$`);

const oidcClient = (emu: Emulator, maxAttempts?: number) =>
  new SSOOIDCClient({ region: REGION, endpoint: emu.url, ...(maxAttempts !== undefined ? { maxAttempts } : {}) });
const ssoClient = (emu: Emulator, maxAttempts?: number) =>
  new SSOClient({ region: REGION, endpoint: emu.url, ...(maxAttempts !== undefined ? { maxAttempts } : {}) });

interface SdkFailure {
  name: string;
  status: number | undefined;
  /** OIDC errors carry the OAuth `error` member. */
  error?: unknown;
  message: string;
}

/** Runs a call that must fail and returns what the SDK surfaced. */
async function sdkFailure(call: Promise<unknown>): Promise<SdkFailure> {
  try {
    await call;
  } catch (e) {
    const err = e as Error & { error?: unknown; $metadata?: { httpStatusCode?: number } };
    return {
      name: err.name,
      status: err.$metadata?.httpStatusCode,
      ...(err.error !== undefined ? { error: err.error } : {}),
      message: err.message,
    };
  }
  throw new Error("the call was expected to fail but succeeded");
}

type Registration = Required<Pick<RegisterClientCommandOutput, "clientId" | "clientSecret">>;

async function register(emu: Emulator, input: Partial<ConstructorParameters<typeof RegisterClientCommand>[0]> = {}): Promise<Registration> {
  const out = await oidcClient(emu).send(
    new RegisterClientCommand({ clientName: "sesame-test", clientType: "public", scopes: [ACCOUNT_ACCESS_SCOPE], ...input }),
  );
  return { clientId: out.clientId!, clientSecret: out.clientSecret! };
}

/** A whole device-flow sign-in, the user approving at once. */
async function deviceLogin(emu: Emulator, userName = "alice", client?: Registration): Promise<CreateTokenCommandOutput & { client: Registration }> {
  const reg = client ?? (await register(emu));
  const oidc = oidcClient(emu);
  const device = await oidc.send(new StartDeviceAuthorizationCommand({ ...reg, startUrl: START_URL }));
  emu.approveDevice(device.userCode!, { userName });
  const token = await oidc.send(new CreateTokenCommand({ ...reg, grantType: GRANT_DEVICE_CODE, deviceCode: device.deviceCode! }));
  return { ...token, client: reg };
}

/** RFC 7636 verifier as the CLI makes it (64 chars of [A-Za-z0-9-._~]) and its S256 challenge. */
function pkce(): { verifier: string; challenge: string } {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  const verifier = Array.from(randomBytes(64), (b) => alphabet[b % alphabet.length]).join("");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** The CLI's local callback server: records the query of each redirect the "browser" follows. */
async function callbackServer(): Promise<{ server: Server; port: number; hits: URLSearchParams[] }> {
  const hits: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    hits.push(new URL(req.url ?? "/", "http://127.0.0.1").searchParams);
    res.writeHead(200, { "Content-Type": "text/html" }).end("<p>You can close this window.</p>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

// --- SSO-OIDC ------------------------------------------------------------------------------------------------

describe("SSO-OIDC with @aws-sdk/client-sso-oidc", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.stop());
  beforeEach(() => {
    emu.resetCalls();
    emu.faults.clear();
    emu.setSsoTokenLifetime(undefined);
    emu.state.sso.configure({ rotateRefreshTokens: true, deviceCodeLifetimeSeconds: 600 });
  });

  test("RegisterClient: a public client, timestamps in epoch seconds, secret valid ~90 days", async () => {
    const out = await oidcClient(emu).send(
      new RegisterClientCommand({ clientName: "botocore-client-my-sso", clientType: "public", scopes: [ACCOUNT_ACCESS_SCOPE] }),
    );
    expect(out.clientId).toMatch(/^[\w-]{20,}$/);
    expect(out.clientSecret!.length).toBeGreaterThan(100);
    expect(Math.abs(out.clientIdIssuedAt! - emu.now().getTime() / 1000)).toBeLessThan(5);
    expect(out.clientSecretExpiresAt! - out.clientIdIssuedAt!).toBe(90 * 86400);
    expect(emu.callsFor("RegisterClient", "sso-oidc")).toEqual([
      expect.objectContaining({ params: { clientName: "botocore-client-my-sso", clientType: "public", scopes: ACCOUNT_ACCESS_SCOPE }, status: 200 }),
    ]);

    const confidential = await sdkFailure(oidcClient(emu).send(new RegisterClientCommand({ clientName: "x", clientType: "confidential" })));
    expect(confidential).toMatchObject({ name: "InvalidClientMetadataException", status: 400, error: "invalid_client_metadata" });
    const badRedirect = await sdkFailure(
      oidcClient(emu).send(
        new RegisterClientCommand({ clientName: "x", clientType: "public", grantTypes: ["authorization_code"], redirectUris: ["http://evil.example/cb"] }),
      ),
    );
    expect(badRedirect).toMatchObject({ name: "InvalidRedirectUriException", status: 400, error: "invalid_redirect_uri" });
  });

  test("device flow: pending until the user approves, then a Bearer token with a refresh token", async () => {
    const reg = await register(emu);
    const oidc = oidcClient(emu);
    const device = await oidc.send(new StartDeviceAuthorizationCommand({ ...reg, startUrl: START_URL }));
    // Assert on a copy: bun's toMatchObject writes asymmetric matchers back into the object it checks.
    expect({ ...device }).toMatchObject({
      deviceCode: expect.any(String),
      userCode: expect.stringMatching(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/),
      verificationUri: `${emu.url}/device`,
      verificationUriComplete: `${emu.url}/device?user_code=${device.userCode}`,
      expiresIn: 600,
      interval: 1,
    });
    const page = await fetch(device.verificationUriComplete!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(device.userCode!);

    const poll = () => oidc.send(new CreateTokenCommand({ ...reg, grantType: GRANT_DEVICE_CODE, deviceCode: device.deviceCode! }));
    const pending = await sdkFailure(poll());
    expect(pending).toEqual({
      name: "AuthorizationPendingException",
      status: 400,
      error: "authorization_pending",
      message: expect.any(String),
    });

    emu.approveDevice(device.userCode!.toLowerCase(), { userName: "alice" });
    emu.advanceClock(1);
    const token = await poll();
    expect(token.accessToken).toMatch(/^aoa/);
    expect(token.tokenType).toBe("Bearer");
    // A scoped client (an sso-session login) gets 1 h tokens and a refresh token (boto3#3768).
    expect(token.expiresIn).toBe(3600);
    expect(token.refreshToken).toMatch(/^aor/);

    emu.advanceClock(1);
    expect(await sdkFailure(poll())).toMatchObject({ name: "InvalidGrantException", status: 400, error: "invalid_grant" });
    expect(emu.callsFor("CreateToken", "sso-oidc").map((c) => [c.params.grantType, c.status, c.errorCode])).toEqual([
      [GRANT_DEVICE_CODE, 400, "AuthorizationPendingException"],
      [GRANT_DEVICE_CODE, 200, undefined],
      [GRANT_DEVICE_CODE, 400, "InvalidGrantException"],
    ]);
    expect(() => emu.approveDevice(device.userCode!)).toThrow(/already redeemed/);
  });

  test("a client registered without scopes (legacy device flow) gets an 8 h token and no refresh token", async () => {
    const token = await deviceLogin(emu, "alice", await register(emu, { scopes: undefined }));
    expect(token.expiresIn).toBe(28800);
    expect(token.refreshToken).toBeUndefined();
    emu.setSsoTokenLifetime(120);
    expect((await deviceLogin(emu)).expiresIn).toBe(120);
  });

  test("polling faster than the interval is slow_down, and each slow_down adds 5 s to the interval", async () => {
    const reg = await register(emu);
    const oidc = oidcClient(emu);
    const device = await oidc.send(new StartDeviceAuthorizationCommand({ ...reg, startUrl: START_URL }));
    const poll = () => oidc.send(new CreateTokenCommand({ ...reg, grantType: GRANT_DEVICE_CODE, deviceCode: device.deviceCode! }));
    expect((await sdkFailure(poll())).name).toBe("AuthorizationPendingException");
    expect(await sdkFailure(poll())).toMatchObject({ name: "SlowDownException", status: 400, error: "slow_down" });
    emu.advanceClock(1); // the old interval is no longer enough
    expect((await sdkFailure(poll())).name).toBe("SlowDownException");
    emu.advanceClock(11); // 1 + 5 + 5
    expect((await sdkFailure(poll())).name).toBe("AuthorizationPendingException");
  });

  test("device codes expire (expired_token) and a denied authorization is access_denied", async () => {
    emu.state.sso.configure({ deviceCodeLifetimeSeconds: 120 });
    const reg = await register(emu);
    const oidc = oidcClient(emu);
    const expiring = await oidc.send(new StartDeviceAuthorizationCommand({ ...reg, startUrl: START_URL }));
    expect(expiring.expiresIn).toBe(120);
    emu.advanceClock(120);
    const expired = await sdkFailure(oidc.send(new CreateTokenCommand({ ...reg, grantType: GRANT_DEVICE_CODE, deviceCode: expiring.deviceCode! })));
    expect(expired).toMatchObject({ name: "ExpiredTokenException", status: 400, error: "expired_token" });
    expect(() => emu.approveDevice(expiring.userCode!)).toThrow(/expired/);

    const denied = await oidc.send(new StartDeviceAuthorizationCommand({ ...reg, startUrl: START_URL }));
    emu.approveDevice(denied.userCode!, { deny: true });
    const refused = await sdkFailure(oidc.send(new CreateTokenCommand({ ...reg, grantType: GRANT_DEVICE_CODE, deviceCode: denied.deviceCode! })));
    expect(refused).toMatchObject({ name: "AccessDeniedException", status: 400, error: "access_denied" });
  });

  test("refresh_token grant: rotates the refresh token by default; the old one is then invalid_grant", async () => {
    const first = await deviceLogin(emu);
    const oidc = oidcClient(emu);
    const refresh = (refreshToken: string) => oidc.send(new CreateTokenCommand({ ...first.client, grantType: "refresh_token", refreshToken }));
    const second = await refresh(first.refreshToken!);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).toMatch(/^aor/);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(await sdkFailure(refresh(first.refreshToken!))).toMatchObject({ name: "InvalidGrantException", status: 400, error: "invalid_grant" });
    const third = await refresh(second.refreshToken!);
    expect(emu.callsFor("CreateToken", "sso-oidc").map((c) => [c.params.grantType, c.status])).toEqual([
      [GRANT_DEVICE_CODE, 200],
      ["refresh_token", 200],
      ["refresh_token", 400],
      ["refresh_token", 200],
    ]);

    emu.expireRefreshTokens();
    expect((await sdkFailure(refresh(third.refreshToken!))).name).toBe("InvalidGrantException");
  });

  test("refresh_token grant without rotation hands back the same refresh token, which keeps working", async () => {
    emu.state.sso.configure({ rotateRefreshTokens: false });
    const first = await deviceLogin(emu);
    const oidc = oidcClient(emu);
    const refresh = () => oidc.send(new CreateTokenCommand({ ...first.client, grantType: "refresh_token", refreshToken: first.refreshToken! }));
    expect((await refresh()).refreshToken).toBe(first.refreshToken!);
    expect((await refresh()).refreshToken).toBe(first.refreshToken!);
    // Another client cannot use it.
    const other = await register(emu);
    const stolen = await sdkFailure(oidc.send(new CreateTokenCommand({ ...other, grantType: "refresh_token", refreshToken: first.refreshToken! })));
    expect(stolen.name).toBe("InvalidGrantException");
  });

  test("authorization_code + PKCE, the test playing the browser", async () => {
    const callback = await callbackServer();
    try {
      const reg = await register(emu, {
        clientName: "botocore-client-my-sso",
        grantTypes: ["authorization_code", "refresh_token"],
        redirectUris: ["http://127.0.0.1/oauth/callback"],
        issuerUrl: START_URL,
      });
      const { verifier, challenge } = pkce();
      const state = randomUUID();
      const redirectUri = `http://127.0.0.1:${callback.port}/oauth/callback`;
      // The parameters and their order are the CLI's (aws-wire.md §3.4).
      const authorizeUrl =
        `${emu.url}/authorize?response_type=code&client_id=${encodeURIComponent(reg.clientId)}` +
        `&redirect_uri=${encodeURIComponent(redirectUri)}&state=${state}&code_challenge_method=S256` +
        `&scopes=${encodeURIComponent(ACCOUNT_ACCESS_SCOPE)}&code_challenge=${challenge}`;

      const page = await fetch(authorizeUrl);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toStartWith("text/html");
      expect(await page.text()).toContain("botocore-client-my-sso");

      const redirect = emu.completeAuthorize(authorizeUrl, { userName: "bob" });
      expect(redirect).toStartWith(`${redirectUri}?code=`);
      expect((await fetch(redirect)).status).toBe(200);
      expect(callback.hits).toHaveLength(1);
      const got = callback.hits[0]!;
      expect(got.get("state")).toBe(state);
      const code = got.get("code")!;

      const oidc = oidcClient(emu);
      const exchange = (codeVerifier: string, uri = redirectUri) =>
        oidc.send(new CreateTokenCommand({ ...reg, grantType: "authorization_code", code, redirectUri: uri, codeVerifier }));
      expect(await sdkFailure(exchange(pkce().verifier))).toMatchObject({ name: "InvalidGrantException", status: 400, error: "invalid_grant" });
      expect((await sdkFailure(exchange(verifier, "http://127.0.0.1/oauth/callback"))).name).toBe("InvalidGrantException");
      const token = await exchange(verifier);
      expect({ ...token }).toMatchObject({ tokenType: "Bearer", accessToken: expect.stringMatching(/^aoa/), refreshToken: expect.stringMatching(/^aor/) });
      expect(emu.state.sso.accessTokens.get(token.accessToken!)?.userName).toBe("bob");
      expect((await sdkFailure(exchange(verifier))).name).toBe("InvalidGrantException"); // codes are single-use

      // The device flow is not open to a client registered for authorization_code only.
      const device = await sdkFailure(oidc.send(new StartDeviceAuthorizationCommand({ ...reg, startUrl: START_URL })));
      expect(device).toMatchObject({ name: "UnauthorizedClientException", status: 400, error: "unauthorized_client" });

      expect(emu.callsFor("Authorize", "sso-oidc")).toEqual([
        expect.objectContaining({ status: 200, params: expect.objectContaining({ client_id: reg.clientId, redirect_uri: redirectUri, scopes: ACCOUNT_ACCESS_SCOPE }) }),
      ]);
      expect(emu.callsFor("CreateToken", "sso-oidc").map((c) => [c.params.grantType, c.status])).toEqual([
        ["authorization_code", 400],
        ["authorization_code", 400],
        ["authorization_code", 200],
        ["authorization_code", 400],
      ]);
    } finally {
      callback.server.close();
    }
  });

  test("authorize: denial and bad requests come back to the redirect URI; unknown clients get an error page", async () => {
    const reg = await register(emu, { grantTypes: ["authorization_code"], redirectUris: ["http://127.0.0.1/oauth/callback"] });
    const { challenge } = pkce();
    const base = (extra: string) =>
      `/authorize?response_type=code&client_id=${reg.clientId}&redirect_uri=${encodeURIComponent("http://127.0.0.1:4242/oauth/callback")}&state=s1${extra}`;

    const denied = new URL(emu.completeAuthorize(base(`&code_challenge_method=S256&code_challenge=${challenge}`), { deny: true }));
    expect(Object.fromEntries(denied.searchParams)).toEqual({ error: "access_denied", error_description: expect.any(String), state: "s1" });

    const plain = await fetch(`${emu.url}${base(`&code_challenge_method=plain&code_challenge=${challenge}`)}`, { redirect: "manual" });
    expect(plain.status).toBe(302);
    const location = new URL(plain.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe("http://127.0.0.1:4242/oauth/callback");
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("state")).toBe("s1");

    const scope = new URL(emu.completeAuthorize(base(`&code_challenge_method=S256&code_challenge=${challenge}&scopes=sso:admin`)));
    expect(scope.searchParams.get("error")).toBe("invalid_scope");

    const elsewhere = `/authorize?response_type=code&client_id=${reg.clientId}&redirect_uri=${encodeURIComponent("https://evil.example/cb")}`;
    expect((await fetch(`${emu.url}${elsewhere}`, { redirect: "manual" })).status).toBe(400);
    expect(() => emu.completeAuthorize(elsewhere)).toThrow(/redirect_uri is not registered/);
    expect(() => emu.completeAuthorize("/authorize?client_id=nobody")).toThrow(/Unknown client_id/);
  });

  test("client authentication and grant errors", async () => {
    const reg = await register(emu);
    const oidc = oidcClient(emu);
    const wrongSecret = await sdkFailure(oidc.send(new StartDeviceAuthorizationCommand({ ...reg, clientSecret: "nope", startUrl: START_URL })));
    expect(wrongSecret).toMatchObject({ name: "InvalidClientException", status: 401, error: "invalid_client" });
    const grant = await sdkFailure(oidc.send(new CreateTokenCommand({ ...reg, grantType: "password" })));
    expect(grant).toMatchObject({ name: "UnsupportedGrantTypeException", status: 400, error: "unsupported_grant_type" });
    const code = await sdkFailure(oidc.send(new CreateTokenCommand({ ...reg, grantType: "authorization_code", code: "c", redirectUri: "http://127.0.0.1/", codeVerifier: "v" })));
    expect(code).toMatchObject({ name: "UnauthorizedClientException", status: 400, error: "unauthorized_client" });

    emu.advanceClock(90 * 86400);
    const expired = await sdkFailure(oidc.send(new StartDeviceAuthorizationCommand({ ...reg, startUrl: START_URL })));
    expect(expired).toMatchObject({ name: "InvalidClientException", status: 401 });
  });

  test("faults apply per operation: a throttled CreateToken is TooManyRequestsException 429", async () => {
    const reg = await register(emu);
    emu.faults.throttle("CreateToken", 1, "sso-oidc");
    const throttled = await sdkFailure(oidcClient(emu, 1).send(new CreateTokenCommand({ ...reg, grantType: GRANT_DEVICE_CODE, deviceCode: "x" })));
    expect(throttled).toMatchObject({ name: "TooManyRequestsException", status: 429 });
    expect(emu.callsFor("RegisterClient", "sso-oidc")[0]?.status).toBe(200); // other operations untouched
  });

  test("wire format: x-amzn-ErrorType names the exception, the body carries error and error_description", async () => {
    const res = await fetch(`${emu.url}/token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ clientId: "nobody", clientSecret: "x", grantType: GRANT_DEVICE_CODE, deviceCode: "d" }),
    });
    expect(res.status).toBe(401);
    // With Coral's suffix, as the real service sends it (aws-cli#8561); the SDKs above had to strip it.
    expect(res.headers.get("x-amzn-errortype")).toBe("InvalidClientException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/");
    expect(res.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ error: "invalid_client", error_description: expect.any(String) });

    const reg = await register(emu);
    const device = await oidcClient(emu).send(new StartDeviceAuthorizationCommand({ ...reg, startUrl: START_URL }));
    const pending = await fetch(`${emu.url}/token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...reg, grantType: GRANT_DEVICE_CODE, deviceCode: device.deviceCode }),
    });
    expect(pending.status).toBe(400);
    expect(pending.headers.get("x-amzn-errortype")).toStartWith("AuthorizationPendingException:");
    // The wording the real service uses (aws-wire.md §3.3).
    expect(await pending.json()).toEqual({ error: "authorization_pending", error_description: "Authorization is still pending" });
  });
});

// --- SSO portal ----------------------------------------------------------------------------------------------

describe("SSO portal with @aws-sdk/client-sso", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator();
    emu.addSsoAccount({ accountId: DEV, accountName: "dev", email: "dev@example.com", roles: ["ReadOnly", "Admin", "Billing", "Audit", "Ops"] });
    emu.addSsoAccount({ accountId: PROD, accountName: "prod", roles: ["ReadOnly"] });
    for (const n of [3, 4, 5]) emu.addSsoAccount({ accountId: String(n).repeat(12), accountName: `acct-${n}`, roles: ["ReadOnly"] });
  });
  afterAll(() => emu.stop());
  beforeEach(() => {
    emu.resetCalls();
    emu.faults.clear();
    emu.ssoPageSize = 20;
  });

  test("GetRoleCredentials: credentials STS accepts, as assumed-role/AWSReservedSSO_<role>_<hex>/<user>", async () => {
    const { accessToken } = await deviceLogin(emu, "alice@example.com");
    const out = await ssoClient(emu).send(new GetRoleCredentialsCommand({ accessToken, accountId: DEV, roleName: "ReadOnly" }));
    const c = out.roleCredentials!;
    expect(c.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(c.secretAccessKey).toHaveLength(40);
    // Epoch milliseconds, one hour out (the permission set's default session).
    expect(typeof c.expiration).toBe("number");
    expect(Math.abs(c.expiration! - (emu.now().getTime() + 3600_000))).toBeLessThan(5000);
    expect(emu.state.temporaryCredentials.get(c.accessKeyId!)?.expiration.getTime()).toBe(c.expiration!);

    const sts = new STSClient({
      region: REGION,
      endpoint: emu.url,
      credentials: { accessKeyId: c.accessKeyId!, secretAccessKey: c.secretAccessKey!, sessionToken: c.sessionToken! },
    });
    const who = await sts.send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe(DEV);
    expect(who.Arn).toMatch(SSO_ROLE_ARN(DEV, "ReadOnly", "alice@example.com"));
    expect(who.UserId).toMatch(/^AROA[A-Z2-7]{17}:alice@example\.com$/);
    expect(emu.callsFor("GetCallerIdentity", "sts")[0]).toMatchObject({ accessKeyId: c.accessKeyId, status: 200 });
    expect(emu.callsFor("GetRoleCredentials", "sso")).toEqual([
      expect.objectContaining({ params: { role_name: "ReadOnly", account_id: DEV }, status: 200 }),
    ]);

    // The same permission set maps to the same IAM role every time.
    const again = await ssoClient(emu).send(new GetRoleCredentialsCommand({ accessToken, accountId: DEV, roleName: "ReadOnly" }));
    const rc = again.roleCredentials!;
    const who2 = await new STSClient({
      region: REGION,
      endpoint: emu.url,
      credentials: { accessKeyId: rc.accessKeyId!, secretAccessKey: rc.secretAccessKey!, sessionToken: rc.sessionToken! },
    }).send(new GetCallerIdentityCommand({}));
    expect(who2.Arn).toBe(who.Arn!);
  });

  test("a role or account the user is not assigned is ForbiddenException 403 No access", async () => {
    const { accessToken } = await deviceLogin(emu);
    const client = ssoClient(emu);
    for (const [accountId, roleName] of [
      [PROD, "Admin"],
      ["999999999999", "ReadOnly"],
    ] as const) {
      const failure = await sdkFailure(client.send(new GetRoleCredentialsCommand({ accessToken, accountId, roleName })));
      expect(failure).toMatchObject({ name: "ForbiddenException", status: 403, message: "No access" });
    }
  });

  test("ListAccounts pages (next_token/max_result) through paginateListAccounts, ≥3 pages", async () => {
    const { accessToken } = await deviceLogin(emu);
    emu.ssoPageSize = 2;
    const pages: string[][] = [];
    for await (const page of paginateListAccounts({ client: ssoClient(emu) }, { accessToken })) {
      pages.push(page.accountList!.map((a) => a.accountName!));
    }
    expect(pages).toEqual([["dev", "prod"], ["acct-3", "acct-4"], ["acct-5"]]);
    const calls = emu.callsFor("ListAccounts", "sso");
    expect(calls.map((c) => c.params.next_token === undefined)).toEqual([true, false, false]);
    expect(calls.every((c) => c.status === 200)).toBe(true);

    // A page size below max_result caps the page: clients must follow nextToken.
    const capped = await ssoClient(emu).send(new ListAccountsCommand({ accessToken, maxResults: 5 }));
    expect(capped.accountList).toHaveLength(2);
    expect(capped.nextToken).toBeTruthy();

    emu.ssoPageSize = 20;
    const first = await ssoClient(emu).send(new ListAccountsCommand({ accessToken, maxResults: 5 }));
    expect(first.nextToken).toBeFalsy();
    expect(first.accountList![0]).toEqual({ accountId: DEV, accountName: "dev", emailAddress: "dev@example.com" });
    expect(first.accountList![1]!.emailAddress).toBe(`aws+${PROD}@example.com`);

    // The SDK's pageSize is max_result on the wire.
    const sized: number[] = [];
    for await (const page of paginateListAccounts({ client: ssoClient(emu), pageSize: 4 }, { accessToken })) sized.push(page.accountList!.length);
    expect(sized).toEqual([4, 1]);
    expect(emu.callsFor("ListAccounts", "sso").at(-1)?.params.max_result).toBe("4");
  });

  test("ListAccountRoles pages through paginateListAccountRoles", async () => {
    const { accessToken } = await deviceLogin(emu);
    const pages: string[][] = [];
    for await (const page of paginateListAccountRoles({ client: ssoClient(emu), pageSize: 2 }, { accessToken, accountId: DEV })) {
      expect(page.roleList!.every((r) => r.accountId === DEV)).toBe(true);
      pages.push(page.roleList!.map((r) => r.roleName!));
    }
    expect(pages).toEqual([["ReadOnly", "Admin"], ["Billing", "Audit"], ["Ops"]]);
  });

  test("an expired access token is UnauthorizedException 401 'Session token not found or invalid'", async () => {
    const { accessToken } = await deviceLogin(emu);
    const client = ssoClient(emu);
    await client.send(new ListAccountsCommand({ accessToken }));
    expect(emu.expireAccessTokens()).toBeGreaterThanOrEqual(1);
    for (const call of [
      client.send(new ListAccountsCommand({ accessToken })),
      client.send(new GetRoleCredentialsCommand({ accessToken, accountId: DEV, roleName: "ReadOnly" })),
    ]) {
      expect(await sdkFailure(call)).toEqual({ name: "UnauthorizedException", status: 401, message: "Session token not found or invalid" });
    }
    // Token lifetimes follow the emulator clock too.
    const fresh = await deviceLogin(emu);
    emu.advanceClock(fresh.expiresIn!);
    expect((await sdkFailure(client.send(new ListAccountsCommand({ accessToken: fresh.accessToken! })))).name).toBe("UnauthorizedException");
  });

  test("Logout revokes the session: its access token is then 401 and its refresh token invalid_grant", async () => {
    const login = await deviceLogin(emu);
    const other = await deviceLogin(emu, "carol");
    const client = ssoClient(emu);
    const out = await client.send(new LogoutCommand({ accessToken: login.accessToken! }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect((await sdkFailure(client.send(new ListAccountsCommand({ accessToken: login.accessToken! })))).status).toBe(401);
    const refresh = oidcClient(emu).send(
      new CreateTokenCommand({ ...login.client, grantType: "refresh_token", refreshToken: login.refreshToken! }),
    );
    expect((await sdkFailure(refresh)).name).toBe("InvalidGrantException");
    expect(emu.state.sso.accessTokens.get(login.accessToken!)?.revoked).toBe(true);
    // Other sessions are untouched.
    expect((await client.send(new ListAccountsCommand({ accessToken: other.accessToken! }))).accountList).toHaveLength(5);
    expect(emu.callsFor("Logout", "sso").map((c) => c.status)).toEqual([200]);
  });

  test("faults: a throttled ListAccounts is TooManyRequestsException 429, which the SDK retries", async () => {
    const { accessToken } = await deviceLogin(emu);
    emu.faults.throttle("ListAccounts", 1, "sso");
    const failure = await sdkFailure(ssoClient(emu, 1).send(new ListAccountsCommand({ accessToken })));
    expect(failure).toEqual({ name: "TooManyRequestsException", status: 429, message: "Rate exceeded" });

    emu.faults.throttle("ListAccounts", 1, "sso");
    const retried = await ssoClient(emu).send(new ListAccountsCommand({ accessToken }));
    expect(retried.accountList).toHaveLength(5);
    expect(emu.callsFor("ListAccounts", "sso").map((c) => [c.status, c.errorCode])).toEqual([
      [429, "TooManyRequestsException"],
      [429, "TooManyRequestsException"],
      [200, undefined],
    ]);
  });

  test("wire format: no bearer token is 401 with x-amzn-ErrorType and a {message} body", async () => {
    const res = await fetch(`${emu.url}/assignment/accounts`);
    expect(res.status).toBe(401);
    expect(res.headers.get("x-amzn-errortype")).toBe("UnauthorizedException");
    expect(await res.json()).toEqual({ message: "Session token not found or invalid" });

    const { accessToken } = await deviceLogin(emu);
    const bad = await fetch(`${emu.url}/assignment/accounts?max_result=101`, { headers: { "x-amz-sso_bearer_token": accessToken! } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("x-amzn-errortype")).toBe("InvalidRequestException");
    const last = await fetch(`${emu.url}/assignment/roles?account_id=${PROD}`, { headers: { "x-amz-sso_bearer_token": accessToken! } });
    expect(await last.json()).toEqual({ nextToken: null, roleList: [{ roleName: "ReadOnly", accountId: PROD }] });
  });
});

// --- AWS CLI v2 ----------------------------------------------------------------------------------------------

describe("AWS CLI v2 and botocore against the SSO emulation", () => {
  let emu: Emulator;
  let home: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    emu = await startEmulator();
    emu.addSsoAccount({ accountId: DEV, accountName: "dev", roles: ["ReadOnly", "Admin", "Ops"] });
    for (const n of [2, 3, 4, 5]) emu.addSsoAccount({ accountId: String(n).repeat(12), accountName: `acct-${n}`, roles: ["ReadOnly"] });
    home = mkdtempSync(join(tmpdir(), "emulator-sso-cli-home-"));
    writeFileSync(join(home, "config"), "");
    writeFileSync(join(home, "credentials"), "");
    // A minimal environment with no credentials at all: every sso and sso-oidc operation is unsigned.
    env = {
      PATH: "/usr/bin:/bin",
      HOME: home,
      LANG: "C.UTF-8",
      AWS_CONFIG_FILE: join(home, "config"),
      AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
      AWS_PAGER: "",
      AWS_EC2_METADATA_DISABLED: "true",
    };
  });
  afterAll(async () => {
    await emu.stop();
    rmSync(home, { recursive: true, force: true });
  });
  beforeEach(() => {
    emu.ssoPageSize = 20;
  });

  // CLI 2.9.19 predates AWS_ENDPOINT_URL_*: the endpoint goes on the command line.
  const aws = (service: string, ...args: string[]) =>
    run(AWS_CLI, [service, ...args, "--endpoint-url", emu.url, "--region", REGION, "--output", "json"], env);
  const json = (r: Run) => {
    if (r.code !== 0) throw new Error(`aws exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  let accessToken = "";

  withTool(hasAwsCli, AWS_CLI, "aws sso-oidc: register-client, start-device-authorization, create-token pending then approved", async () => {
    const reg = json(await aws("sso-oidc", "register-client", "--client-name", "cli-test", "--client-type", "public", "--scopes", ACCOUNT_ACCESS_SCOPE));
    const client = ["--client-id", String(reg.clientId), "--client-secret", String(reg.clientSecret)];
    const device = json(await aws("sso-oidc", "start-device-authorization", ...client, "--start-url", START_URL));
    expect(device).toMatchObject({ interval: 1, expiresIn: 600 });
    const createToken = () => aws("sso-oidc", "create-token", ...client, "--grant-type", GRANT_DEVICE_CODE, "--device-code", String(device.deviceCode));

    const pending = await createToken();
    expect(pending.code).toBe(254);
    expect(pending.stderr).toContain("An error occurred (AuthorizationPendingException) when calling the CreateToken operation");

    emu.approveDevice(String(device.userCode), { userName: "dave" });
    emu.advanceClock(5); // the CLI processes start slower than the interval, but do not rely on it
    const token = json(await createToken());
    expect({ ...token }).toMatchObject({ tokenType: "Bearer", expiresIn: 3600, accessToken: expect.stringMatching(/^aoa/) });
    accessToken = String(token.accessToken);
  });

  withTool(hasAwsCli, AWS_CLI, "aws sso list-accounts follows nextToken across pages; list-account-roles", async () => {
    expect(accessToken).not.toBe("");
    emu.resetCalls();
    emu.ssoPageSize = 2;
    const accounts = json(await aws("sso", "list-accounts", "--access-token", accessToken));
    expect((accounts.accountList as { accountName: string }[]).map((a) => a.accountName)).toEqual(["dev", "acct-2", "acct-3", "acct-4", "acct-5"]);
    expect(emu.callsFor("ListAccounts", "sso").map((c) => c.status)).toEqual([200, 200, 200]);

    const roles = json(await aws("sso", "list-account-roles", "--access-token", accessToken, "--account-id", DEV));
    expect(roles.roleList).toEqual([
      { roleName: "ReadOnly", accountId: DEV },
      { roleName: "Admin", accountId: DEV },
      { roleName: "Ops", accountId: DEV },
    ]);
  });

  withTool(hasAwsCli, AWS_CLI, "aws sso get-role-credentials, then aws sts get-caller-identity with them", async () => {
    expect(accessToken).not.toBe("");
    const out = json(await aws("sso", "get-role-credentials", "--access-token", accessToken, "--account-id", DEV, "--role-name", "Ops"));
    const c = out.roleCredentials as { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: number };
    expect(c.expiration).toBe(emu.state.temporaryCredentials.get(c.accessKeyId)!.expiration.getTime());
    const who = await run(AWS_CLI, ["sts", "get-caller-identity", "--endpoint-url", emu.url, "--region", REGION, "--output", "json"], {
      ...env,
      AWS_ACCESS_KEY_ID: c.accessKeyId,
      AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
      AWS_SESSION_TOKEN: c.sessionToken,
    });
    expect(json(who).Arn).toMatch(SSO_ROLE_ARN(DEV, "Ops", "dave"));
  });

  withTool(hasAwsCli, AWS_CLI, "an expired access token makes aws sso fail with UnauthorizedException", async () => {
    expect(accessToken).not.toBe("");
    emu.expireAccessTokens();
    const refused = await aws("sso", "get-role-credentials", "--access-token", accessToken, "--account-id", DEV, "--role-name", "Ops");
    expect(refused.code).toBe(254);
    expect(refused.stderr).toContain(
      "An error occurred (UnauthorizedException) when calling the GetRoleCredentials operation: Session token not found or invalid",
    );
  });

  // CLI 2.9.19's `aws sso logout` is a customization that cannot be pointed at an endpoint; botocore can.
  withTool(hasBotocore, `${SYSTEM_PYTHON} with botocore`, "botocore: refresh_token grant, sso logout, then UnauthorizedException", async () => {
    const login = await deviceLogin(emu, "erin");
    const script = `
import json, os, sys, botocore.session
from botocore.exceptions import ClientError
s = botocore.session.get_session()
url = os.environ["EMULATOR_URL"]
oidc = s.create_client("sso-oidc", region_name="${REGION}", endpoint_url=url)
sso = s.create_client("sso", region_name="${REGION}", endpoint_url=url)
args = json.loads(sys.stdin.read())
fresh = oidc.create_token(clientId=args["clientId"], clientSecret=args["clientSecret"], grantType="refresh_token", refreshToken=args["refreshToken"])
roles = sso.list_account_roles(accessToken=fresh["accessToken"], accountId="${DEV}")["roleList"]
sso.logout(accessToken=fresh["accessToken"])
errors = []
for call in (lambda: sso.list_accounts(accessToken=fresh["accessToken"]),
             lambda: oidc.create_token(clientId=args["clientId"], clientSecret=args["clientSecret"], grantType="refresh_token", refreshToken=fresh["refreshToken"])):
    try:
        call()
        errors.append(None)
    except ClientError as e:
        errors.append([e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"].get("Message")])
print(json.dumps({"expiresIn": fresh["expiresIn"], "rotated": fresh["refreshToken"] != args["refreshToken"], "roles": [r["roleName"] for r in roles], "errors": errors}))
`;
    const out = await new Promise<Run>((resolve, reject) => {
      const child = execFile(SYSTEM_PYTHON, ["-c", script], { env: { ...env, EMULATOR_URL: emu.url }, timeout: 20_000 }, (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
      });
      child.stdin!.end(JSON.stringify({ ...login.client, refreshToken: login.refreshToken }));
    });
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual({
      expiresIn: 3600,
      rotated: true,
      roles: ["ReadOnly", "Admin", "Ops"],
      errors: [
        ["UnauthorizedException", 401, "Session token not found or invalid"],
        // botocore reads `message`, which OIDC errors do not have: like the real service (boto3#3785), no message.
        ["InvalidGrantException", 400, ""],
      ],
    });
    expect(emu.callsFor("Logout", "sso").at(-1)?.status).toBe(200);
  });
});
