// The emulator as other processes see it: the /_emulator/ control API (including /_emulator/sso/), route
// registration (which can override the built-in SSO routes), and the runnable server (main.ts) with a seed file.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import { type Emulator, startEmulator } from "./index.ts";

async function call(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("control API", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.stop());

  test("creates users and roles that STS then honours, and exposes the call log", async () => {
    const user = await call(emu.url, "POST", "/_emulator/users", { userName: "erin", account: "210987654321" });
    // Read the keys before asserting: bun's toMatchObject writes asymmetric matchers back into the object.
    const accessKeyId = String(user.body.accessKeyId);
    const secretAccessKey = String(user.body.secretAccessKey);
    expect(user.status).toBe(200);
    expect(user.body.arn).toBe("arn:aws:iam::210987654321:user/erin");
    expect(accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    const role = await call(emu.url, "POST", "/_emulator/roles", { arn: "arn:aws:iam::210987654321:role/Ops", maxSessionDuration: 7200 });
    expect(role.body).toMatchObject({ name: "Ops", account: "210987654321", maxSessionDuration: 7200, trust: "*" });

    const sts = new STSClient({
      region: "us-east-1",
      endpoint: emu.url,
      credentials: { accessKeyId, secretAccessKey },
    });
    await sts.send(new GetCallerIdentityCommand({}));
    const log = await call(emu.url, "GET", "/_emulator/calls?action=GetCallerIdentity");
    expect(log.body.calls).toEqual([
      expect.objectContaining({ service: "sts", action: "GetCallerIdentity", accessKeyId, status: 200 }),
    ]);
    expect((await call(emu.url, "POST", "/_emulator/reset-calls")).status).toBe(200);
    expect(emu.calls).toEqual([]);
  });

  test("queues faults, moves the clock and overrides credential lifetime", async () => {
    const queued = await call(emu.url, "POST", "/_emulator/faults", { action: "GetSessionToken", kind: "throttle", count: 2 });
    expect(queued.body.faults).toEqual([expect.objectContaining({ service: "sts", action: "GetSessionToken", remaining: 2 })]);
    const custom = await call(emu.url, "POST", "/_emulator/faults", {
      action: "AssumeRole",
      error: { code: "RegionDisabledException", message: "off", status: 403 },
    });
    expect(custom.body.faults).toHaveLength(2);
    expect(emu.faults.take("sts", "AssumeRole")?.error).toEqual({ code: "RegionDisabledException", message: "off", status: 403, type: "Sender" });
    expect((await call(emu.url, "DELETE", "/_emulator/faults")).body.faults).toEqual([]);

    const before = emu.now().getTime();
    const clock = await call(emu.url, "POST", "/_emulator/clock", { advanceSeconds: 3600 });
    expect(Date.parse(String(clock.body.now)) - before).toBeGreaterThanOrEqual(3600 * 1000);
    expect(clock.body.offsetSeconds).toBeGreaterThanOrEqual(3600);

    await call(emu.url, "POST", "/_emulator/credential-lifetime", { seconds: 30 });
    expect(emu.state.credentialLifetimeOverride).toBe(30);
    await call(emu.url, "POST", "/_emulator/credential-lifetime", { seconds: null });
    expect(emu.state.credentialLifetimeOverride).toBeUndefined();
  });

  test("ends temporary credentials early: expire → ExpiredToken, revoke → InvalidClientTokenId", async () => {
    const u = emu.addUser({ userName: "early", account: "111111111111" });
    const long = { accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey };
    const sts = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
      new STSClient({ region: "us-east-1", endpoint: emu.url, credentials, maxAttempts: 3 }); // 3: room to correct the skew an earlier test left
    const issue = async () => (await sts(long).send(new GetSessionTokenCommand({}))).Credentials!;
    const who = (c: Awaited<ReturnType<typeof issue>>) =>
      sts({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }).send(new GetCallerIdentityCommand({})).then(() => "ok", (e: Error) => e.name);
    const a = await issue();
    const b = await issue();
    expect(await call(emu.url, "POST", "/_emulator/credentials/expire", { accessKeyId: a.AccessKeyId })).toEqual({ status: 200, body: { ended: 1 } });
    expect(await who(a)).toBe("ExpiredToken");
    expect(await who(b)).toBe("ok");
    expect(emu.revokeCredentials(b.AccessKeyId)).toBe(1);
    expect(await who(b)).toBe("InvalidClientTokenId");
  });

  test("a huge-body fault streams filler until the client hangs up", async () => {
    emu.faults.add({ action: "GetCallerIdentity", hugeBodyBytes: 1024 ** 3 });
    const res = await fetch(`${emu.url}/`, { method: "POST", body: "Action=GetCallerIdentity&Version=2011-06-15", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBeNull();
    const reader = res.body!.getReader();
    let got = 0;
    while (got < 1024 * 1024) got += (await reader.read()).value!.byteLength;
    await reader.cancel();
    expect(got).toBeGreaterThanOrEqual(1024 * 1024);
  });

  test("answers 400 with the reason for bad setup and 404 for unknown control routes", async () => {
    const bad = await call(emu.url, "POST", "/_emulator/roles", { arn: "not-an-arn" });
    expect(bad).toEqual({ status: 400, body: { error: "invalid role ARN: not-an-arn" } });
    const badFault = await call(emu.url, "POST", "/_emulator/faults", { kind: "meteor" });
    expect(badFault.status).toBe(400);
    expect((await call(emu.url, "GET", "/_emulator/nothing")).status).toBe(404);
  });

  test("registerRoute plugs in other services without disturbing STS", async () => {
    emu.registerRoute("GET", "/federation/", (req, ctx) => {
      ctx.record({ service: "sso", action: "GetRoleCredentials", params: Object.fromEntries(req.url.searchParams), status: 200, requestId: "r1" });
      return { status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ path: req.path }) };
    });
    const res = await fetch(`${emu.url}/federation/credentials?role_name=ReadOnly&account_id=111111111111`);
    expect(await res.json()).toEqual({ path: "/federation/credentials" });
    expect(emu.callsFor("GetRoleCredentials", "sso")[0]?.params).toEqual({ role_name: "ReadOnly", account_id: "111111111111" });
    expect((await fetch(`${emu.url}/elsewhere`, { method: "POST" })).status).toBe(404);
    const sts = await fetch(emu.url, { method: "POST", body: "Action=GetCallerIdentity&Version=2011-06-15" });
    expect(sts.status).toBe(403);
  });
});

describe("control API for IAM Identity Center (/_emulator/sso/)", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.stop());

  /** rest-json call to the emulated SSO services, as any HTTP client would make it. */
  async function api(method: string, path: string, body?: unknown, token?: string) {
    const res = await fetch(`${emu.url}${path}`, {
      method,
      headers: { "Content-Type": "application/json", ...(token ? { "x-amz-sso_bearer_token": token } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, errorType: res.headers.get("x-amzn-errortype"), body: (await res.json()) as Record<string, unknown> };
  }

  test("accounts, device approval, token expiry, config and faults, all over HTTP", async () => {
    const account = await call(emu.url, "POST", "/_emulator/sso/accounts", { accountId: "111111111111", accountName: "dev", roles: ["ReadOnly"] });
    expect(account).toEqual({
      status: 200,
      body: { accountId: "111111111111", accountName: "dev", emailAddress: "aws+111111111111@example.com", roles: ["ReadOnly"] },
    });
    await call(emu.url, "POST", "/_emulator/sso/accounts", { accountId: "222222222222", accountName: "prod", email: "p@example.com", roles: [] });
    expect((await call(emu.url, "GET", "/_emulator/sso/accounts")).body.accounts).toHaveLength(2);

    const reg = await api("POST", "/client/register", { clientName: "other-process", clientType: "public", scopes: ["sso:account:access"] });
    const client = { clientId: reg.body.clientId, clientSecret: reg.body.clientSecret };
    const device = await api("POST", "/device_authorization", { ...client, startUrl: "https://d-1234567890.awsapps.com/start" });
    const devices = await call(emu.url, "GET", "/_emulator/sso/devices");
    expect(devices.body.devices).toEqual([expect.objectContaining({ userCode: device.body.userCode, status: "pending" })]);
    expect(JSON.stringify(devices.body)).not.toContain(String(device.body.deviceCode));

    const approved = await call(emu.url, "POST", "/_emulator/sso/approve", { userCode: device.body.userCode, userName: "frank" });
    expect(approved.body).toMatchObject({ status: "approved", userName: "frank" });
    const again = await call(emu.url, "POST", "/_emulator/sso/approve", { userCode: device.body.userCode });
    expect(again).toEqual({ status: 400, body: { error: expect.stringContaining("already approved") } });

    const token = await api("POST", "/token", { ...client, grantType: "urn:ietf:params:oauth:grant-type:device_code", deviceCode: device.body.deviceCode });
    const accessToken = String(token.body.accessToken);
    expect((await api("GET", "/assignment/accounts", undefined, accessToken)).body.accountList).toHaveLength(2);

    const config = await call(emu.url, "POST", "/_emulator/sso/config", { pageSize: 1, tokenLifetimeSeconds: 60 });
    expect(config.body).toMatchObject({ pageSize: 1, tokenLifetimeSeconds: 60, rotateRefreshTokens: true });
    expect(emu.ssoPageSize).toBe(1);
    const paged = await api("GET", "/assignment/accounts", undefined, accessToken);
    expect((paged.body.accountList as unknown[]).length).toBe(1);
    expect(typeof paged.body.nextToken).toBe("string");
    expect((await call(emu.url, "POST", "/_emulator/sso/config", { pageSize: 0 })).status).toBe(400);

    await call(emu.url, "POST", "/_emulator/faults", { service: "sso", action: "ListAccounts", kind: "throttle" });
    const throttled = await api("GET", "/assignment/accounts", undefined, accessToken);
    expect([throttled.status, throttled.errorType, throttled.body]).toEqual([429, "TooManyRequestsException", { message: "Rate exceeded" }]);

    const expired = await call(emu.url, "POST", "/_emulator/sso/expire-tokens", { tokens: "all" });
    expect(expired.body).toEqual({ expiredAccessTokens: 1, expiredRefreshTokens: 1 });
    const refused = await api("GET", "/assignment/accounts", undefined, accessToken);
    expect([refused.status, refused.errorType]).toEqual([401, "UnauthorizedException"]);
    const refresh = await api("POST", "/token", { ...client, grantType: "refresh_token", refreshToken: token.body.refreshToken });
    expect(refresh.body.error).toBe("invalid_grant");
    expect((await call(emu.url, "POST", "/_emulator/sso/expire-tokens", { tokens: "some" })).status).toBe(400);
  });

  test("authorize: the redirect URL the browser would be sent to", async () => {
    const reg = await api("POST", "/client/register", {
      clientName: "pkce",
      clientType: "public",
      grantTypes: ["authorization_code", "refresh_token"],
      redirectUris: ["http://127.0.0.1/oauth/callback"],
      scopes: ["sso:account:access"],
    });
    const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; // RFC 7636 Appendix B
    const url =
      `${emu.url}/authorize?response_type=code&client_id=${reg.body.clientId}&redirect_uri=${encodeURIComponent("http://127.0.0.1:5000/oauth/callback")}` +
      `&state=xyz&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=${challenge}`;
    const done = await call(emu.url, "POST", "/_emulator/sso/authorize", { url });
    const redirect = new URL(String(done.body.redirectUrl));
    expect(`${redirect.origin}${redirect.pathname}`).toBe("http://127.0.0.1:5000/oauth/callback");
    expect(redirect.searchParams.get("state")).toBe("xyz");
    const token = await api("POST", "/token", {
      clientId: reg.body.clientId,
      clientSecret: reg.body.clientSecret,
      grantType: "authorization_code",
      code: redirect.searchParams.get("code"),
      redirectUri: "http://127.0.0.1:5000/oauth/callback",
      codeVerifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    });
    expect(token.status).toBe(200);
    expect(token.body.tokenType).toBe("Bearer");

    const denied = await call(emu.url, "POST", "/_emulator/sso/authorize", { url, deny: true });
    expect(new URL(String(denied.body.redirectUrl)).searchParams.get("error")).toBe("access_denied");
    const unknown = await call(emu.url, "POST", "/_emulator/sso/authorize", { url: "/authorize?client_id=nobody" });
    expect(unknown.status).toBe(400);
  });
});

describe("runnable server (main.ts)", () => {
  let dir: string;
  let child: ChildProcess;
  let url: string;
  let stderr = "";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "emulator-main-"));
    const seed = join(dir, "seed.json");
    writeFileSync(
      seed,
      JSON.stringify({
        users: [{ userName: "demo", account: "123456789012", accessKeyId: "AKIADEMODEMODEMO0001", secretAccessKey: "demo-secret-demo-secret-demo-secret-0001" }],
        roles: [{ arn: "arn:aws:iam::123456789012:role/Demo", trust: ["arn:aws:iam::123456789012:user/demo"] }],
      }),
    );
    child = spawn(process.execPath, [join(import.meta.dir, "main.ts"), "--port", "0", "--seed", seed, "--print-keys"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      child.once("exit", (code) => reject(new Error(`emulator exited early (${code}): ${stderr}`)));
    });
    const m = /^emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
    if (!m) throw new Error(`unexpected first line: ${line}`);
    url = m[1]!;
  });
  afterAll(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  test("serves the seeded user with its fixed keys and prints them to stderr only", async () => {
    const sts = new STSClient({
      region: "eu-central-1",
      endpoint: url,
      credentials: { accessKeyId: "AKIADEMODEMODEMO0001", secretAccessKey: "demo-secret-demo-secret-demo-secret-0001" },
    });
    const out = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(JSON.parse(stderr.trim())).toEqual({
      users: [expect.objectContaining({ userName: "demo", accessKeyId: "AKIADEMODEMODEMO0001", arn: "arn:aws:iam::123456789012:user/demo" })],
    });
    const log = await call(url, "GET", "/_emulator/calls");
    expect(log.body.calls).toEqual([expect.objectContaining({ action: "GetSessionToken", accessKeyId: "AKIADEMODEMODEMO0001" })]);
  });

  test("exits 0 on SIGTERM", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
