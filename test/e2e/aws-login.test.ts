// Issue 14 part 1 through dist/sesame: aws-login sessions against the emulator's AWS Sign-In (which checks
// every DPoP proof and rotates the refresh token on each use): the browser sign-in on this machine and
// with --remote, 15-minute credentials renewed with the refresh token, a role chained from them, the AWS
// CLI's login cache shared both ways (the official SDK provider refreshing through it in between), and the
// refusals (revoked, ended after 12 hours, another identity, a wrong code) in one line with the fix.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { fromLoginCredentials } from "@aws-sdk/credential-provider-login";
import { spawn } from "node:child_process";
import { BIN, DENO_SESAME, parseProcessOutput, type World } from "./harness.ts";
import { CONSOLE_DEV, consoleLogin, LOGIN_CATALOG, LOGIN_ROLE, loginWorld } from "./aws-login-harness.ts";

const cacheFileFor = (dir: string, arn: string) => join(dir, `${createHash("sha256").update(arn).digest("hex")}.json`);
const refreshes = (w: World) => w.emu.callsFor("CreateOAuth2Token", "signin").filter((c) => c.params.grantType === "refresh_token");

describe("aws-login: sign-in on this machine, credentials, renewal", () => {
  let w: World & { loginCache: string };
  beforeAll(async () => {
    w = await loginWorld();
    w.emu.addRole({ arn: LOGIN_ROLE, trust: [CONSOLE_DEV] });
  });
  afterAll(() => w.stop());

  test("before the sign-in: list says so, credential-process says what to run", async () => {
    const l = await w.run(["list", "--json"]);
    const row = (JSON.parse(l.stdout) as { name: string; state: string; detail: string }[]).find((r) => r.name === "web")!;
    expect(row.state).toBe("needs-login");
    expect(row.detail).toContain("sesame login web");
    const r = await w.run(["credential-process", "web"]);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('aws-login session "web" is not signed in');
    expect(r.stderr).toContain("sesame login web");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    const doc = JSON.parse((await w.run(["doctor", "--json"])).stdout) as { findings: { check: string; status: string; message: string; fix?: string }[] };
    const f = doc.findings.find((x) => x.check === "aws-login")!;
    expect(f.status).toBe("warn");
    expect(f.message).toContain('"web": not signed in');
    expect(f.fix).toBe("run: sesame login web");
  });

  test("sesame login: the browser flow with PKCE and DPoP; the page says signed in; no secret on the terminal", async () => {
    const r = await consoleLogin(w, "web");
    expect(r.code).toBe(0);
    expect(r.page).toContain("Signed in");
    expect(r.stderr).toContain(`signed in for "web" as ${CONSOLE_DEV}`);
    expect(r.stderr).toContain(`login_session = "${CONSOLE_DEV}"`); // how to pin it
    // what the browser was sent to: the AWS CLI's same-device client, PKCE with SHA-256, a loopback redirect
    const url = new URL(/(http:\/\/127\.0\.0\.1:\d+\/v1\/authorize\?\S+)/.exec(r.stderr)![1]!);
    expect(url.searchParams.get("client_id")).toBe("arn:aws:signin:::devtools/same-device");
    expect(url.searchParams.get("code_challenge_method")).toBe("SHA-256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("redirect_uri")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
    const ex = w.emu.callsFor("CreateOAuth2Token", "signin").at(-1)!;
    expect(ex.params.grantType).toBe("authorization_code");
    expect(ex.params.clientId).toBe("arn:aws:signin:::devtools/same-device");
    expect(ex.status).toBe(200);
    const sessions = w.emu.loginSessions();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.loginSession).toBe(CONSOLE_DEV);
    // not shared: no AWS CLI cache file was written
    expect(existsSync(cacheFileFor(w.loginCache, CONSOLE_DEV))).toBe(false);
    const doc = JSON.parse((await w.run(["doctor", "--json"])).stdout) as { findings: { check: string; status: string; message: string }[] };
    const f = doc.findings.find((x) => x.check === "aws-login")!;
    expect(f.status).toBe("ok");
    expect(f.message).toContain(`"web": signed in as ${CONSOLE_DEV}`);
    expect(f.message).toContain("renewable until about");
  });

  test("the source also runs under Deno: a renewal with the SDK's Sign-In client and a DPoP proof", async () => {
    const before = refreshes(w).length;
    const r = await w.run(["credential-process", "web", "--no-cache"], { bin: DENO_SESAME });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(parseProcessOutput(r.stdout).AccessKeyId).toMatch(/^ASIA/);
    expect(refreshes(w).slice(before).map((c) => c.status)).toEqual([200]);
  });

  test("credential-process serves the sign-in's credentials; a role chains from them", async () => {
    const r = await w.run(["credential-process", "web"]);
    expect(r.code).toBe(0);
    const c = parseProcessOutput(r.stdout);
    expect(c.AccessKeyId).toMatch(/^ASIA/);
    const left = Date.parse(c.Expiration!) - Date.now();
    expect(left).toBeGreaterThan(10 * 60_000);
    expect(left).toBeLessThanOrEqual(15 * 60_000 + 5000);
    const who = await w.run(["whoami", "web", "--json"]);
    expect(JSON.parse(who.stdout).Arn).toBe(CONSOLE_DEV);
    const ops = await w.run(["whoami", "ops", "--json"]);
    expect(ops.code).toBe(0);
    expect(JSON.parse(ops.stdout).Arn).toContain("assumed-role/FromConsole/");
  });

  test("each renewal spends the rotated refresh token (a reused one would be refused) with a fresh DPoP proof", async () => {
    const first = parseProcessOutput((await w.run(["credential-process", "web"])).stdout);
    const before = refreshes(w).length;
    const a = await w.run(["credential-process", "web", "--no-cache"]);
    expect(a.code).toBe(0);
    const b = await w.run(["credential-process", "web", "--no-cache"]);
    expect(b.code).toBe(0);
    const got = refreshes(w).slice(before);
    expect(got.map((c) => c.status)).toEqual([200, 200]);
    const ids = [first.AccessKeyId, parseProcessOutput(a.stdout).AccessKeyId, parseProcessOutput(b.stdout).AccessKeyId];
    expect(new Set(ids).size).toBe(3);
    expect(w.emu.loginSessions()[0]!.refreshCount).toBe(3); // with the Deno run's
  });

  test("ten parallel renewals spend the refresh token once each, in turn: none is refused", async () => {
    const before = refreshes(w).length;
    const runs = await Promise.all(Array.from({ length: 10 }, () => w.run(["credential-process", "web", "--no-cache"])));
    expect(runs.map((r) => r.code)).toEqual(Array(10).fill(0));
    expect(refreshes(w).slice(before).every((c) => c.status === 200)).toBe(true);
  });

  test("no refresh token, DPoP key or credentials in a plain file under HOME, nor in --verbose output", async () => {
    const v = await w.run(["credential-process", "web", "--no-cache", "--verbose"]);
    expect(v.code).toBe(0);
    const secrets = [...w.emu.state.signin.refreshTokens.keys()];
    expect(secrets.length).toBeGreaterThan(3);
    const key = parseProcessOutput(v.stdout).SecretAccessKey;
    for (const t of [...secrets, key]) expect(v.stderr).not.toContain(t);
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
    for (const f of files(w.home)) {
      const text = readFileSync(f).toString("latin1");
      expect(text).not.toContain("PRIVATE KEY");
      for (const t of [...secrets, key]) expect(text.includes(t) ? f : "").toBe("");
    }
  });

  test("a revoked sign-in (password changed) is one line with the fix, exit 4", async () => {
    w.emu.revokeLoginSession(CONSOLE_DEV, "USER_CREDENTIALS_CHANGED");
    const r = await w.run(["credential-process", "web", "--no-cache"]);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("console password of its identity changed");
    expect(r.stderr).toContain("run: sesame login web");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("logout forgets the sign-in and what was cached from it", async () => {
    const r = await w.run(["logout", "web"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('signed out of "web"');
    const c = await w.run(["credential-process", "ops"]);
    expect(c.code).toBe(4);
    expect(c.stderr).toContain('"web" is not signed in');
  });
});

describe("aws-login: renewal ahead of expiry", () => {
  let w: World & { loginCache: string };
  beforeAll(async () => {
    w = await loginWorld();
    w.emu.configureLogin({ credentialSeconds: 200 }); // inside the 5-minute margin at once, above the 1-minute floor
  });
  afterAll(() => w.stop());

  test("a call inside the margin is served at once and renews in the background; the next call gets the renewed credentials", async () => {
    expect((await consoleLogin(w, "web")).code).toBe(0);
    const first = parseProcessOutput((await w.run(["credential-process", "web"])).stdout); // renewed while it waited (200 s < 5 min)
    const before = refreshes(w).length;
    const second = await w.run(["credential-process", "web", "--verbose"]);
    expect(second.code).toBe(0);
    expect(parseProcessOutput(second.stdout).AccessKeyId).toBe(first.AccessKeyId); // served, not waited for
    expect(second.stderr).toContain("stale served, renewal started");
    for (let i = 0; i < 100 && refreshes(w).length === before; i++) await Bun.sleep(100);
    for (let i = 0; i < 50; i++) {
      const third = parseProcessOutput((await w.run(["credential-process", "web"])).stdout);
      if (third.AccessKeyId !== first.AccessKeyId) break;
      if (i === 49) throw new Error("the background renewal never landed");
      await Bun.sleep(100);
    }
    expect(refreshes(w).slice(before).every((c) => c.status === 200)).toBe(true);
  });
});

describe("aws-login: a renewal killed at any point", () => {
  let w: World & { loginCache: string };
  beforeAll(async () => {
    w = await loginWorld();
    // AWS answers a refresh token presented again within its validity window with the same result
    // (CreateOAuth2Token's documentation): a renewal killed after AWS rotated the token is not the end
    w.emu.configureLogin({ reuseGraceSeconds: 60 });
  });
  afterAll(() => w.stop());

  test("SIGKILL while AWS answers (or right after): the next call renews; the sign-in is never damaged", async () => {
    expect((await consoleLogin(w, "web")).code).toBe(0);
    for (let i = 0; i < 8; i++) {
      w.emu.faults.add({ service: "signin", action: "CreateOAuth2Token", delayMs: 300 });
      const child = spawn(BIN, ["credential-process", "web", "--no-cache"], { env: w.env, detached: true, stdio: "ignore" });
      const closed = new Promise((r) => child.once("close", r));
      await Bun.sleep(150 + ((i * 97) % 400)); // spread over the delay, the answer and the saving
      try {
        process.kill(child.pid!, "SIGKILL");
      } catch { /* already done */ }
      await closed;
      const r = await w.run(["credential-process", "web", "--no-cache"], { env: { SESAME_LOCK_TIMEOUT: "5" } });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    expect(refreshes(w).filter((c) => c.status !== 200)).toEqual([]);
  });
});

describe("aws-login: the cross-device flow, identities, errors", () => {
  let w: World & { loginCache: string };
  beforeAll(async () => {
    w = await loginWorld(LOGIN_CATALOG(`login_session = "${CONSOLE_DEV}"`));
  });
  afterAll(() => w.stop());

  test("--remote: the code AWS's confirmation page shows, pasted, signs in (cross-device client)", async () => {
    const r = await consoleLogin(w, "web", ["--remote"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("open this URL in a browser on any device");
    expect(w.emu.callsFor("CreateOAuth2Token", "signin").at(-1)!.params.clientId).toBe("arn:aws:signin:::devtools/cross-device");
    expect((await w.run(["credential-process", "web"])).code).toBe(0);
  });

  test("a pasted code of another sign-in is refused (state), nothing saved", async () => {
    const r = await consoleLogin(w, "web", ["--remote", "--force"], {
      answer: async () => Buffer.from("state=not-this-one&code=abc").toString("base64"),
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("belongs to another sign-in");
    expect((await w.run(["credential-process", "web"])).code).toBe(0); // the earlier sign-in stands
  });

  test("signing in as another identity than login_session is refused", async () => {
    const r = await consoleLogin(w, "web", ["--force"], { as: "arn:aws:iam::123456789012:user/someone-else" });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("you signed in as arn:aws:iam::123456789012:user/someone-else");
    expect(r.stderr).toContain(CONSOLE_DEV);
    expect(r.page).toContain("Sign-in failed");
  });

  test("a refused consent ends the login with one line", async () => {
    const r = await consoleLogin(w, "web", ["--force"], { deny: true });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("failed in the browser (access_denied)");
  });

  test("12 hours after the sign-in the refresh is refused: the session has ended", async () => {
    w.emu.advanceClock(13 * 3600);
    try {
      const r = await w.run(["credential-process", "web", "--no-cache"]);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('aws-login session "web" has ended');
      expect(r.stderr).toContain("run: sesame login web");
    } finally {
      w.emu.advanceClock(-13 * 3600);
    }
  });
});

describe("aws-login: sharing the sign-in with the AWS CLI and SDKs", () => {
  let w: World & { loginCache: string };
  beforeAll(async () => {
    w = await loginWorld(LOGIN_CATALOG(`share_with_aws_cli = true`));
    w.env.AWS_LOGIN_CACHE_DIRECTORY = w.loginCache;
  });
  afterAll(() => w.stop());

  test("the sign-in is written to the CLI's cache (0600), in its format", async () => {
    expect((await consoleLogin(w, "web")).code).toBe(0);
    const file = cacheFileFor(w.loginCache, CONSOLE_DEV);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const o = JSON.parse(readFileSync(file, "utf8"));
    expect(Object.keys(o).sort()).toEqual(["accessToken", "clientId", "dpopKey", "idToken", "refreshToken", "tokenType"]);
    expect(o.accessToken.accountId).toBe("123456789012");
    expect(o.accessToken.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(o.dpopKey).toStartWith("-----BEGIN EC PRIVATE KEY-----\n");
  });

  test("the official SDK provider refreshes through the file; sesame's next renewal uses what it left", async () => {
    const file = cacheFileFor(w.loginCache, CONSOLE_DEV);
    // the SDK refreshes when 5 minutes or less are left
    const o = JSON.parse(readFileSync(file, "utf8"));
    o.accessToken.expiresAt = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    writeFileSync(file, JSON.stringify(o));
    const config = join(w.home, ".aws", "config");
    writeFileSync(config, `[profile web]\nlogin_session = ${CONSOLE_DEV}\nregion = us-east-1\n`);
    const saved = process.env.AWS_LOGIN_CACHE_DIRECTORY;
    process.env.AWS_LOGIN_CACHE_DIRECTORY = w.loginCache;
    try {
      const creds = await fromLoginCredentials({ profile: "web", configFilepath: config, filepath: join(w.home, "none"), clientConfig: { endpoint: w.emu.url } })();
      expect(creds.accessKeyId).toMatch(/^ASIA/);
    } finally {
      if (saved === undefined) delete process.env.AWS_LOGIN_CACHE_DIRECTORY;
      else process.env.AWS_LOGIN_CACHE_DIRECTORY = saved;
    }
    expect(w.emu.loginSessions()[0]!.refreshCount).toBe(1); // the SDK's refresh rotated the token
    // sesame still holds the token the SDK spent: it must take the file's instead of failing
    const r = await w.run(["credential-process", "web", "--no-cache"]);
    expect(r.code).toBe(0);
    expect(refreshes(w).every((c) => c.status === 200)).toBe(true);
    // and the file is current again for the next tool
    const after = JSON.parse(readFileSync(file, "utf8"));
    expect(after.accessToken.accessKeyId).toBe(parseProcessOutput(r.stdout).AccessKeyId);
  });

  test("import turns a login_session profile into an aws-login session and takes the CLI's sign-in over", async () => {
    const other = join(w.home, "other.toml");
    writeFileSync(join(w.home, ".aws", "config"), `[profile console]\nlogin_session = ${CONSOLE_DEV}\nregion = us-east-1\n`);
    const r = await w.run(["import", "--config", other, "--yes"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`took over the AWS CLI's sign-in of "console" (${CONSOLE_DEV})`);
    const text = readFileSync(other, "utf8");
    expect(text).toContain('[session.console]\ntype = "aws-login"');
    expect(text).toContain("share_with_aws_cli = true");
    // the profile now runs sesame, and login_session is gone from it (nothing wins over credential_process)
    const config = readFileSync(join(w.home, ".aws", "config"), "utf8");
    expect(config).toContain("credential_process");
    expect(config).not.toContain("login_session");
    const c = await w.run(["credential-process", "console", "--config", other, "--no-cache"]);
    expect(c.code).toBe(0);
    expect(refreshes(w).at(-1)!.status).toBe(200);
  });

  test("doctor warns when the AWS CLI's copy is readable by others", async () => {
    const file = cacheFileFor(w.loginCache, CONSOLE_DEV);
    chmodSync(file, 0o644);
    const doc = JSON.parse((await w.run(["doctor", "--json"])).stdout) as { findings: { check: string; status: string; message: string; fix?: string }[] };
    const f = doc.findings.find((x) => x.check === "aws-login" && x.status === "warn")!;
    expect(f.message).toContain("readable by others (mode 644)");
    expect(f.fix).toBe(`chmod 600 ${file}`);
    chmodSync(file, 0o600);
  });

  test("logout removes the CLI's file when it holds this sign-in", async () => {
    expect((await w.run(["logout", "web"])).code).toBe(0);
    expect(existsSync(cacheFileFor(w.loginCache, CONSOLE_DEV))).toBe(false);
  });
});
