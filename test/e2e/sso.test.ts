// Issue 3 through dist/sesame: device and PKCE logins played by the test, SSO role credentials, silent
// refresh, login-needed, single refresh for 20 parallel callers, sso sync over pages, logout, a chain from
// an SSO role, and the AWS CLI token cache.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateTokenCommand, RegisterClientCommand, SSOOIDCClient, StartDeviceAuthorizationCommand } from "@aws-sdk/client-sso-oidc";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { BIN, clearCreds, parseProcessOutput, type Run, type World } from "./harness.ts";
import { ADMIN_SESSION, deviceLogin, START, ssoCatalog, ssoWorld as baseSsoWorld } from "./sso-harness.ts";

const DEPLOY_ROLE = "arn:aws:iam::222222222222:role/Deploy";
const DEPLOY_SESSION = `
[session.deploy]
type = "assume-role"
source = "admin"
role_arn = "${DEPLOY_ROLE}"
`;

async function ssoWorld(extra = ""): Promise<World> {
  const w = await baseSsoWorld(ssoCatalog(extra, ADMIN_SESSION.replace('sso_role_name = "AdministratorAccess"', 'sso_role_name = "AdministratorAccess"\nregion = "eu-west-1"') + DEPLOY_SESSION), ["AdministratorAccess", "ReadOnly"]);
  w.emu.addRole({ arn: DEPLOY_ROLE, trust: "*" });
  return w;
}

/** Runs the binary and calls onStderr with everything printed so far, until it exits. */
function runInteractive(w: World, args: string[], onStderr: (all: string) => void, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(BIN, args, { env: { ...w.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
      stderr += d;
      onStderr(stderr);
    });
    child.on("error", rej);
    child.on("close", (code) => res({ code: code ?? 1, stdout, stderr }));
  });
}

async function login(w: World, extraArgs: string[] = []): Promise<Run> {
  const r = await deviceLogin(w, extraArgs);
  expect(r.approved).toBe(true);
  return { code: r.code ?? 1, stdout: r.stdout, stderr: r.stderr };
}

const grants = (w: World, g: string) => w.emu.callsFor("CreateToken", "sso-oidc").filter((c) => c.params.grantType === g);

describe("device login and SSO role credentials", () => {
  let w: World;
  beforeAll(async () => {
    w = await ssoWorld();
  });
  afterAll(() => w.stop());

  test("credential-process before any login: login-needed status and the command to run", async () => {
    const r = await w.run(["credential-process", "admin"]);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('sesame: session "admin": IAM Identity Center session "corp" is not logged in — run: sesame login corp\n');
  });

  test("with no browser available, login uses the device code; the test approves it", async () => {
    const r = await login(w);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("To sign in to \"corp\", open http");
    expect(r.stderr).toMatch(/signed in to "corp" until .*renewed silently/);
    expect(w.emu.callsFor("RegisterClient", "sso-oidc")).toHaveLength(1);
    expect(grants(w, "urn:ietf:params:oauth:grant-type:device_code").length).toBeGreaterThanOrEqual(1);
  });

  test("a second login is not needed", async () => {
    w.emu.resetCalls();
    const r = await w.run(["login", "corp"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('already signed in to "corp"');
    expect(w.emu.calls).toHaveLength(0);
  });

  test("credential-process for an SSO role, cached like every hop", async () => {
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "admin"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const c = parseProcessOutput(r.stdout);
    expect(w.emu.callsFor("GetRoleCredentials", "sso")).toHaveLength(1);
    const sts = new STSClient({ region: "eu-west-1", endpoint: w.emu.url, credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken } });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toMatch(/^arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]+\//);
    w.emu.resetCalls();
    expect(parseProcessOutput((await w.run(["credential-process", "admin"])).stdout).AccessKeyId).toBe(c.AccessKeyId);
    expect(w.emu.calls).toHaveLength(0);
  });

  test("a chain from an SSO role into an assume-role", async () => {
    w.emu.resetCalls();
    const admin = parseProcessOutput((await w.run(["credential-process", "admin"])).stdout);
    const r = await w.run(["credential-process", "deploy"]);
    expect(r.code).toBe(0);
    parseProcessOutput(r.stdout);
    const ar = w.emu.callsFor("AssumeRole");
    expect(ar).toHaveLength(1);
    expect(ar[0]!.accessKeyId).toBe(admin.AccessKeyId);
  });

  test("list shows SSO sessions signed in and cached", async () => {
    const rows = JSON.parse((await w.run(["list", "--json"])).stdout) as { name: string; state: string; account: string; role: string }[];
    expect(rows.find((r) => r.name === "admin")).toMatchObject({ state: "cached", account: "111111111111", role: "AdministratorAccess" });
  });
});

describe("refresh", () => {
  let w: World;
  beforeAll(async () => {
    w = await ssoWorld();
  });
  afterAll(() => w.stop());

  test("an access token close to expiry is refreshed silently, without a login", async () => {
    w.emu.setSsoTokenLifetime(600); // inside the 15-minute refresh window as soon as it is issued
    expect((await login(w)).code).toBe(0);
    w.emu.setSsoTokenLifetime(undefined);
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "admin"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(grants(w, "refresh_token")).toHaveLength(1);
    expect(grants(w, "urn:ietf:params:oauth:grant-type:device_code")).toHaveLength(0);
    expect(w.emu.callsFor("StartDeviceAuthorization", "sso-oidc")).toHaveLength(0);
  });

  test("20 parallel callers with an expiring token make one refresh and one GetRoleCredentials", async () => {
    w.emu.setSsoTokenLifetime(600);
    expect((await login(w, ["--force"])).code).toBe(0);
    w.emu.setSsoTokenLifetime(undefined);
    clearCreds(w);
    w.emu.resetCalls();
    const runs = await Promise.all(Array.from({ length: 20 }, () => w.run(["credential-process", "admin"])));
    for (const r of runs) expect(r.code).toBe(0);
    expect(grants(w, "refresh_token")).toHaveLength(1);
    expect(w.emu.callsFor("GetRoleCredentials", "sso")).toHaveLength(1);
  });

  test("a token the portal revokes early is refreshed once, silently", async () => {
    clearCreds(w);
    w.emu.expireAccessTokens();
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "admin"]);
    expect(r.code).toBe(0);
    expect(grants(w, "refresh_token")).toHaveLength(1);
    expect(w.emu.callsFor("GetRoleCredentials", "sso").map((c) => c.status)).toEqual([401, 200]);
  });

  test("when the refresh token has expired too: login-needed status and message", async () => {
    clearCreds(w);
    w.emu.expireAccessTokens();
    w.emu.expireRefreshTokens();
    const r = await w.run(["credential-process", "deploy"]);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('sesame: session "admin": IAM Identity Center session "corp" was signed out or its sign-in was revoked — run: sesame login corp\n');
    const rows = JSON.parse((await w.run(["list", "--json"])).stdout) as { name: string; state: string }[];
    expect(rows.find((x) => x.name === "deploy")?.state).toBe("needs-login");
  });
});

describe("browser login with PKCE", () => {
  let w: World;
  beforeAll(async () => {
    w = await ssoWorld();
  });
  afterAll(() => w.stop());

  test("--no-browser prints the URL; the test plays the browser through the loopback redirect", async () => {
    let done = false;
    const r = await runInteractive(w, ["login", "corp", "--no-browser"], (all) => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(all);
      if (m && !done) {
        done = true;
        const redirect = w.emu.completeAuthorize(m[1]!);
        expect(redirect).toStartWith("http://127.0.0.1:");
        void fetch(redirect).then((res) => res.text());
      }
    });
    expect(done).toBe(true);
    expect(r.code).toBe(0);
    const tok = grants(w, "authorization_code");
    expect(tok).toHaveLength(1);
    expect(String(tok[0]!.params.redirectUri)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
    expect((await w.run(["credential-process", "admin"])).code).toBe(0);
  });

  test("$BROWSER is opened with the authorize URL when a browser is available", async () => {
    const opened = join(w.home, "opened-url");
    const browser = join(w.home, "fake-browser.sh");
    writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > "${opened}.tmp" && mv "${opened}.tmp" "${opened}"\n`);
    chmodSync(browser, 0o755);
    let done = false;
    const watcher = setInterval(() => {
      if (done || !existsSync(opened)) return;
      done = true;
      void fetch(w.emu.completeAuthorize(readFileSync(opened, "utf8"))).then((res) => res.text());
    }, 20);
    const r = await runInteractive(w, ["login", "corp", "--force"], () => {}, { BROWSER: browser });
    clearInterval(watcher);
    expect(done).toBe(true);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Opening the browser");
  });

  /** A GET to sesame's loopback port with the Host header given (fetch would not let a test set it). */
  async function loopbackGet(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
    const { request } = await import("node:http");
    return new Promise((ok, fail) => {
      request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => ok({ status: res.statusCode!, body }));
      })
        .on("error", fail)
        .end();
    });
  }

  // Issue 9 item 4: a wrong state aborted the login, a foreign Host was accepted, and the page said "Signed
  // in" before the code exchange. Stray requests now get 400 and the login goes on; the page waits for the token.
  test("requests with a wrong state, a foreign Host or a wrong path get 400 and the login goes on; the page says Signed in after the exchange", async () => {
    let step: Promise<void> | undefined;
    const seen: string[] = [];
    let page = "";
    let exchanges = 0;
    const r = await runInteractive(w, ["login", "corp", "--no-browser", "--force"], (all) => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(all);
      if (!m || step) return;
      const authorize = new URL(m[1]!);
      const port = Number(new URL(authorize.searchParams.get("redirect_uri")!).port);
      const state = authorize.searchParams.get("state")!;
      step = (async () => {
        const before = grants(w, "authorization_code").length;
        for (const [path, host] of [
          ["/oauth/callback?code=forged&state=wrong", `127.0.0.1:${port}`],
          [`/oauth/callback?code=forged&state=${state}`, `evil.example:${port}`],
          [`/oauth/callback?code=forged&state=${state}`, "127.0.0.1"],
          [`/elsewhere?code=forged&state=${state}`, `127.0.0.1:${port}`],
        ] as const) {
          const res = await loopbackGet(port, path, host);
          seen.push(`${res.status}${res.body.includes("Signed in") ? " signed-in" : ""}`);
        }
        const redirect = new URL(w.emu.completeAuthorize(m[1]!));
        const res = await loopbackGet(port, redirect.pathname + redirect.search, redirect.host);
        // by the time the page answers, sesame has exchanged the code — once: the forged ones never were
        exchanges = grants(w, "authorization_code").length - before;
        page = res.body;
      })();
    });
    await step;
    expect(seen).toEqual(["400", "400", "400", "404"]);
    expect(page).toContain("Signed in");
    expect(r.stderr).not.toContain("state_mismatch");
    expect(r.code).toBe(0);
    expect(exchanges).toBe(1);
  });

  // Issue 16 item 24, and item 4's "success only after the token": the exchange fails, so the page says so.
  test("a code exchange that IAM Identity Center refuses: the page says failed, the fix is --device-code", async () => {
    w.emu.faults.error("CreateToken", "InvalidGrantException", "code already used", 400, 1, "sso-oidc");
    let page: Promise<string> | undefined;
    try {
      const r = await runInteractive(w, ["login", "corp", "--no-browser", "--force"], (all) => {
        const m = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(all);
        if (m && !page) page = fetch(w.emu.completeAuthorize(m[1]!)).then((res) => res.text());
      });
      expect(await page!).toContain("Sign-in failed");
      expect(await page!).not.toContain("Signed in");
      expect(r.code).toBe(4);
      expect(r.stderr.trimEnd().split("\n").at(-1)).toMatch(/^sesame: IAM Identity Center refused the browser sign-in to "corp" at the code exchange: invalid_grant — run: sesame login corp --device-code$/);
    } finally {
      w.emu.faults.clear();
    }
  });

  test("a denied sign-in fails with one line", async () => {
    let done = false;
    const r = await runInteractive(w, ["login", "corp", "--no-browser", "--force"], (all) => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(all);
      if (m && !done) {
        done = true;
        void fetch(w.emu.completeAuthorize(m[1]!, { deny: true })).then((res) => res.text());
      }
    });
    expect(r.code).toBe(4);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toMatch(/^sesame: the sign-in to "corp" failed in the browser \(access_denied\) — run: sesame login corp again$/);
  });
});

describe("sso sync, logout, AWS CLI interop", () => {
  let w: World;
  beforeAll(async () => {
    w = await ssoWorld("share_with_aws_cli = true");
    for (let i = 2; i <= 6; i++) w.emu.addSsoAccount({ accountId: `${i}`.repeat(12), accountName: `team ${i}`, roles: ["ReadOnly", "PowerUser"] });
    w.emu.ssoPageSize = 2;
  });
  afterAll(() => w.stop());

  test("login shares the token in the AWS CLI's cache format", async () => {
    expect((await login(w)).code).toBe(0);
    const file = join(w.home, ".aws", "sso", "cache", createHash("sha1").update("corp").digest("hex") + ".json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const o = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
    expect(o.startUrl).toBe(START);
    expect(o.region).toBe("eu-west-1");
    expect(o.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(o.accessToken?.length).toBeGreaterThan(10);
    expect(o.refreshToken).toBeDefined();
  });

  test("sso sync discovers every account and role across pages into the owned region", async () => {
    const before = readFileSync(w.catalog, "utf8");
    w.emu.resetCalls();
    const dry = await w.run(["sso", "sync", "corp", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('+[session."team-2.ReadOnly"]');
    expect(readFileSync(w.catalog, "utf8")).toBe(before);
    const r = await w.run(["sso", "sync", "corp"]);
    expect(r.code).toBe(0);
    // the hand-written [session.admin] already covers dev's AdministratorAccess: not added twice
    expect(r.stderr).toContain('sesame: skipped 111111111111 AdministratorAccess: session "admin" already covers it\n');
    expect(r.stderr).toContain("6 accounts, 12 roles: 11 added, 0 removed, 0 kept, 1 already covered");
    expect(readFileSync(w.catalog, "utf8")).not.toContain("dev.AdministratorAccess");
    expect(w.emu.callsFor("ListAccounts", "sso").length).toBeGreaterThanOrEqual(3); // 6 accounts, 2 a page
    const after = readFileSync(w.catalog, "utf8");
    expect(after.startsWith(before)).toBe(true); // hand-written part untouched
    const rows = JSON.parse((await w.run(["list", "--json"])).stdout) as { name: string; type: string }[];
    expect(rows.filter((x) => x.type === "sso")).toHaveLength(12);
    const c = await w.run(["credential-process", "team-4.PowerUser"]);
    expect(c.code).toBe(0);
    // idempotent
    const again = await w.run(["sso", "sync", "corp"]);
    expect(again.stderr).toContain("nothing to change");
    expect(readFileSync(w.catalog, "utf8")).toBe(after);
  });

  test("logout calls the portal, forgets the token and the cached credentials", async () => {
    expect((await w.run(["credential-process", "deploy"])).code).toBe(0);
    w.emu.resetCalls();
    const r = await w.run(["logout", "corp"]);
    expect(r.code).toBe(0);
    expect(w.emu.callsFor("Logout", "sso")).toHaveLength(1);
    expect(r.stderr).toMatch(/signed out of "corp"; forgot \d+ cached credentials/);
    const after = await w.run(["credential-process", "deploy"]);
    expect(after.code).toBe(4);
    expect(after.stderr).toContain("run: sesame login corp");
    expect(existsSync(join(w.home, ".aws", "sso", "cache", createHash("sha1").update("corp").digest("hex") + ".json"))).toBe(false);
  });

  test("a valid token left by `aws sso login` is used instead of a new login", async () => {
    // get a token the way the AWS CLI does, and leave it where the CLI leaves it
    const oidc = new SSOOIDCClient({ region: "eu-west-1", endpoint: w.emu.url });
    const reg = await oidc.send(new RegisterClientCommand({ clientName: "botocore-client-corp", clientType: "public" }));
    const dev = await oidc.send(new StartDeviceAuthorizationCommand({ clientId: reg.clientId!, clientSecret: reg.clientSecret!, startUrl: START }));
    w.emu.approveDevice(dev.userCode!);
    const tok = await oidc.send(new CreateTokenCommand({ clientId: reg.clientId!, clientSecret: reg.clientSecret!, grantType: "urn:ietf:params:oauth:grant-type:device_code", deviceCode: dev.deviceCode! }));
    const dir = join(w.home, ".aws", "sso", "cache");
    mkdirSync(dir, { recursive: true });
    const expiresAt = new Date(Date.now() + (tok.expiresIn ?? 3600) * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    writeFileSync(join(dir, createHash("sha1").update("corp").digest("hex") + ".json"), JSON.stringify({ startUrl: START, region: "eu-west-1", accessToken: tok.accessToken, expiresAt }));
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "admin"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(w.emu.callsFor("StartDeviceAuthorization", "sso-oidc")).toHaveLength(0);
    expect(w.emu.callsFor("GetRoleCredentials", "sso")).toHaveLength(1);
  });
});
