// Issue 10 through dist/sesame: `exec --server`, `serve`, `--imds`, against the emulator, with the
// real clients (botocore's container and IMDS providers, the JS SDK v3 providers, the AWS CLI) and
// every safety property of the endpoint as a request a hostile local process could send.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { CHAIN_CATALOG, DEV_ROLE, storeAliceKey, world, type World } from "./harness.ts";
import { AWS_CLI, hasAwsCli, hasBotocore, runTool, SYSTEM_PYTHON, toolEnv, withTool } from "./clients-tools.ts";
import { httpRequest, killGroup, rawExchange, startServe, tokenOf, type Serving } from "./server-harness.ts";

const BOTOCORE = join(import.meta.dir, "server-botocore.py");
const JS_CLIENT = join(import.meta.dir, "server-js-client.ts");
const PROD_ARN = "arn:aws:sts::333333333333:assumed-role/Deploy/sesame-tester";

/** An assume-role hop that wants an MFA code: with no terminal, it needs a person. */
const GUARDED = `
[session.guarded]
type = "assume-role"
source = "alice"
role_arn = "${DEV_ROLE}"
mfa_serial = "arn:aws:iam::111111111111:mfa/alice"
`;

let w: World;
beforeAll(async () => {
  w = await world(CHAIN_CATALOG + GUARDED);
  await storeAliceKey(w);
});
afterAll(() => w.stop());

function parseEnv(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) m.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return m;
}

/** The AWS credentials, sesame's file passphrase: none may reach a child of exec --server. */
const INHERITED = { AWS_ACCESS_KEY_ID: "AKIAOUTERKEY", AWS_SECRET_ACCESS_KEY: "outer-secret", AWS_SESSION_TOKEN: "outer-token", SESAME_FILE_PASSPHRASE: "e2e-passphrase", AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/outer" };

describe("sesame exec --server", () => {
  test("the child gets the endpoint, its token (file 0600 in a 0700 folder, removed after) and region, and no credentials or passphrase", async () => {
    const script = 'env; echo "---"; stat -c "%a" "$AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" "$(dirname "$AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")"; cat "$AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"';
    const r = await w.run(["exec", "prod", "--server", "--", "/bin/sh", "-c", script], { env: INHERITED });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const [envText, after] = r.stdout.split("---\n");
    const env = parseEnv(envText!);
    expect(env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/credentials\/prod$/);
    const tokenFile = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")!;
    const token = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN")!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
    expect(env.get("AWS_REGION")).toBe("eu-west-1");
    expect(env.get("SESAME_SESSION")).toBe("prod");
    for (const gone of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "SESAME_FILE_PASSPHRASE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]) expect(env.has(gone)).toBe(false);
    const [fileMode, dirMode, fileToken] = after!.split("\n");
    expect(fileMode).toBe("600");
    expect(dirMode).toBe("700");
    expect(fileToken).toBe(token);
    expect(existsSync(tokenFile)).toBe(false);
    expect(existsSync(dirname(tokenFile))).toBe(false);
  });

  test("the child's exit status passes through", async () => {
    const r = await w.run(["exec", "prod", "--server", "--", "/bin/sh", "-c", "exit 7"]);
    expect(r.code).toBe(7);
  });

  withTool(hasBotocore, "python3-botocore", "botocore's container provider gets prod's credentials and calls STS with them", async () => {
    const r = await w.run(["exec", "prod", "--server", "--", SYSTEM_PYTHON, BOTOCORE, "container"], { env: { STS_URL: w.emu.url } });
    expect(r.stderr).toBe("");
    const o = JSON.parse(r.stdout);
    expect(o.method).toBe("container-role");
    expect(o.arn).toBe(PROD_ARN);
  });

  withTool(hasAwsCli, "aws", "aws sts get-caller-identity runs under exec --server", async () => {
    const r = await w.run(["exec", "prod", "--server", "--", AWS_CLI, "sts", "get-caller-identity", "--endpoint-url", w.emu.url, "--output", "json"], { env: toolEnv({}, {}) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).Arn).toBe(PROD_ARN);
  });

  test("the JS SDK v3: fromContainerMetadata and the default chain (fromHttp with the token file)", async () => {
    for (const mode of ["container", "chain"]) {
      const r = await w.run(["exec", "prod", "--server", "--", process.execPath, JS_CLIENT, mode], { env: { STS_URL: w.emu.url } });
      // fromHttp says once that the file wins over the variable (the variable is there for older SDKs).
      expect(r.stderr.replace(/@aws-sdk\/credential-provider-http: you have set both awsContainerAuthorizationToken and awsContainerAuthorizationTokenFile.\nawsContainerAuthorizationTokenFile will take precedence.\n/, "")).toBe("");
      expect(JSON.parse(r.stdout).arn).toBe(PROD_ARN);
    }
  });

  test("--imds: the JS SDK's fromInstanceMetadata (IMDSv2) gets prod's credentials", async () => {
    const r = await w.run(["exec", "prod", "--imds", "--", process.execPath, JS_CLIENT, "imds"], { env: { STS_URL: w.emu.url } });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).arn).toBe(PROD_ARN);
  });

  withTool(hasBotocore, "python3-botocore", "--imds: botocore's instance metadata provider gets prod's credentials", async () => {
    const r = await w.run(["exec", "prod", "--imds", "--", SYSTEM_PYTHON, BOTOCORE, "imds"], { env: { STS_URL: w.emu.url, AWS_EC2_METADATA_DISABLED: undefined } });
    expect(r.stderr).toBe("");
    const o = JSON.parse(r.stdout);
    expect(o.method).toBe("iam-role");
    expect(o.arn).toBe(PROD_ARN);
  });

  test("--bind with a non-loopback address is refused before anything runs", async () => {
    for (const addr of ["0.0.0.0", "192.168.1.10", "::", "localhost.example"]) {
      const r = await w.run(["exec", "prod", "--server", "--bind", addr, "--", "/bin/sh", "-c", "echo ran"]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^sesame: --bind .* is not a loopback address.*\n$/);
    }
  });
});

describe("sesame exec --server: rotation", () => {
  withTool(hasBotocore, "python3-botocore", "one botocore client makes calls across three expiries of 6-second credentials with no failure and no request waiting on a fetch", async () => {
    const rw = await world(CHAIN_CATALOG.replace('region = "eu-west-1"', 'region = "eu-west-1"\nrefresh_margin = "3s"'));
    try {
      await storeAliceKey(rw);
      rw.emu.state.credentialLifetimeOverride = 6;
      rw.emu.resetCalls();
      const r = await rw.run(["--verbose", "exec", "prod", "--server", "--", SYSTEM_PYTHON, BOTOCORE, "rotate", "20"], { env: { STS_URL: rw.emu.url } });
      expect(r.code).toBe(0);
      const o = JSON.parse(r.stdout);
      expect(o.failures).toBe(0);
      expect(o.method).toBe("container-role");
      expect(o.keys).toBeGreaterThanOrEqual(4); // the first credentials and at least three renewals
      expect(r.stderr).toContain("server renewed");
      expect(r.stderr).not.toContain("server request waits for a fetch");
      // Renewals come from the server's timer, one AssumeRole per hop per renewal, not one per request.
      expect(rw.emu.callsFor("AssumeRole").length).toBeLessThan(o.calls);
    } finally {
      await rw.stop();
    }
  }, 60_000);
});

describe("sesame serve: the endpoint's safety", () => {
  let s: Serving;
  beforeAll(async () => {
    s = await startServe(w, ["--session", "prod", "--session", "dev", "--session", "guarded", "--imds"], { SESAME_SERVER_TIMEOUT_MS: "500" });
  });
  afterAll(() => killGroup(s.proc));

  const prod = () => s.endpoints.get("prod")!;
  const dev = () => s.endpoints.get("dev")!;

  test("prints two lines per session (and the IMDS endpoint); the right token gets the container JSON", async () => {
    expect([...s.endpoints.keys()]).toEqual(["prod", "dev", "guarded"]);
    expect(s.stdout()).toMatch(/^# session prod\nAWS_CONTAINER_CREDENTIALS_FULL_URI=http:\/\/127\.0\.0\.1:\d+\/v1\/credentials\/prod\nAWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=\S+\/prod\.token\nAWS_EC2_METADATA_SERVICE_ENDPOINT=http:\/\/127\.0\.0\.1:\d+\/\n/);
    const r = await httpRequest(prod().uri, { headers: { Authorization: tokenOf(prod()) } });
    expect(r.status).toBe(200);
    const o = JSON.parse(r.body);
    expect(Object.keys(o).sort()).toEqual(["AccessKeyId", "Expiration", "RoleArn", "SecretAccessKey", "Token"]);
    expect(o.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(o.RoleArn).toBe("arn:aws:iam::333333333333:role/Deploy");
    expect(r.head).toMatch(/content-type: application\/json/i);
  });

  test("no token: 401; a wrong one or another session's: 403; never credentials", async () => {
    const none = await httpRequest(prod().uri);
    expect(none.status).toBe(401);
    const wrong = await httpRequest(prod().uri, { headers: { Authorization: "x".repeat(43) } });
    expect(wrong.status).toBe(403);
    const other = await httpRequest(prod().uri, { headers: { Authorization: tokenOf(dev()) } });
    expect(other.status).toBe(403);
    const prefix = await httpRequest(prod().uri, { headers: { Authorization: tokenOf(prod()).slice(0, 42) } });
    expect(prefix.status).toBe(403);
    for (const r of [none, wrong, other, prefix]) expect(r.body).not.toContain("AccessKeyId");
  });

  test("a Host other than the listening address:port is refused (DNS rebinding), even with the token", async () => {
    const port = new URL(prod().uri).port;
    for (const host of [`evil.example:${port}`, `localhost:${port}`, "127.0.0.1", `127.0.0.1:${Number(port) + 1}`, `127.0.0.2:${port}`]) {
      const r = await httpRequest(prod().uri, { host, headers: { Authorization: tokenOf(prod()) } });
      expect(r.status).toBe(403);
      expect(r.body).not.toContain("AccessKeyId");
    }
    const missing = await httpRequest(prod().uri, { host: null, headers: { Authorization: tokenOf(prod()) } });
    expect([400, 403]).toContain(missing.status);
    expect(missing.body).not.toContain("AccessKeyId");
  });

  test("only GET on known paths; a body is refused", async () => {
    const auth = { Authorization: tokenOf(prod()) };
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS"]) {
      const r = await httpRequest(prod().uri, { method, headers: auth });
      expect(r.status).toBe(405);
    }
    expect((await httpRequest(prod().uri, { path: "/v1/credentials/nope", headers: auth })).status).toBe(404);
    expect((await httpRequest(prod().uri, { path: "/", headers: auth })).status).toBe(404);
    expect((await httpRequest(prod().uri, { path: "/latest/api/token", method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" } })).status).toBe(404);
    const body = await httpRequest(prod().uri, { headers: auth, body: "x=1" });
    expect(body.status).toBe(413);
    expect(body.body).not.toContain("AccessKeyId");
  });

  test("oversized headers are refused; a request that never finishes loses its connection", async () => {
    const big = await httpRequest(prod().uri, { headers: { Authorization: tokenOf(prod()), "X-Padding": "a".repeat(10_000) } });
    // 10 KiB: over the endpoint's 8 KiB bound, under the runtimes' own (16 KiB and more).
    expect(big.status).toBe(431);
    expect(big.raw).not.toContain("AccessKeyId");
    // Slowloris: headers that never end. The compiled binary (Bun.serve) drops such a connection after
    // Bun's fixed 10 s header timeout; the node:http back end's own bound is tested under Deno (server-deno.test.ts).
    const port = Number(new URL(prod().uri).port);
    const slow = await rawExchange(port, `GET /v1/credentials/prod HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${tokenOf(prod())}\r\n`, "127.0.0.1", { limitMs: 30_000 });
    expect(slow.raw).not.toContain("AccessKeyId");
  }, 60_000);

  test("IMDSv2: PUT token with a TTL of 1–21600, the token on every GET, role name then credentials", async () => {
    const imds = prod().imds!;
    const put = (ttl?: string, extra: Record<string, string> = {}) => httpRequest(imds, { method: "PUT", path: "/latest/api/token", headers: { ...(ttl === undefined ? {} : { "x-aws-ec2-metadata-token-ttl-seconds": ttl }), ...extra } });
    for (const bad of [undefined, "0", "21601", "-1", "abc"]) expect((await put(bad)).status).toBe(400);
    const ok = await put("21600");
    expect(ok.status).toBe(200);
    expect(ok.head).toMatch(/x-aws-ec2-metadata-token-ttl-seconds: 21600/i);
    const token = ok.body;
    const get = (path: string, t?: string) => httpRequest(imds, { path, headers: t ? { "x-aws-ec2-metadata-token": t } : {} });
    expect((await get("/latest/meta-data/iam/security-credentials/")).status).toBe(401);
    expect((await get("/latest/meta-data/iam/security-credentials/", "not-a-token")).status).toBe(401);
    const role = await get("/latest/meta-data/iam/security-credentials/", token);
    expect(role.status).toBe(200);
    expect(role.body).toBe("prod");
    expect((await get("/latest/meta-data/iam/security-credentials/prod")).status).toBe(401);
    const c = await get("/latest/meta-data/iam/security-credentials/prod", token);
    expect(c.status).toBe(200);
    const o = JSON.parse(c.body);
    expect(Object.keys(o).sort()).toEqual(["AccessKeyId", "Code", "Expiration", "LastUpdated", "SecretAccessKey", "Token", "Type"]);
    expect(o.Code).toBe("Success");
    expect(o.Type).toBe("AWS-HMAC");
    expect((await get("/latest/meta-data/iam/security-credentials-extended/", token)).status).toBe(404);
    expect((await get("/latest/meta-data/iam/security-credentials-extended/prod", token)).status).toBe(404);
    expect((await get("/latest/meta-data/iam/security-credentials/dev", token)).status).toBe(404);
    expect((await httpRequest(imds, { method: "POST", path: "/latest/meta-data/iam/security-credentials/prod", headers: { "x-aws-ec2-metadata-token": token } })).status).toBe(405);
    // A token of another session's IMDS endpoint is not valid here.
    const devToken = (await httpRequest(dev().imds!, { method: "PUT", path: "/latest/api/token", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" } })).body;
    expect((await get("/latest/meta-data/iam/security-credentials/prod", devToken)).status).toBe(401);
  });

  test("IMDS: requests carrying X-Forwarded-For are refused, the token PUT included", async () => {
    const imds = prod().imds!;
    const put = await httpRequest(imds, { method: "PUT", path: "/latest/api/token", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60", "X-Forwarded-For": "203.0.113.9" } });
    expect(put.status).toBe(403);
    const token = (await httpRequest(imds, { method: "PUT", path: "/latest/api/token", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" } })).body;
    const get = await httpRequest(imds, { path: "/latest/meta-data/iam/security-credentials/prod", headers: { "x-aws-ec2-metadata-token": token, "X-Forwarded-For": "203.0.113.9" } });
    expect(get.status).toBe(403);
    expect(get.body).not.toContain("AccessKeyId");
  });

  // Needs root to run a client as another user; skipped (with the reason) elsewhere.
  const asRoot = process.getuid?.() === 0 && existsSync("/usr/bin/curl");
  (asRoot ? test : test.skip)("IMDS (Linux): another user's process cannot get a session token; this user's can", async () => {
    const imds = prod().imds!;
    const put = (uid?: number) =>
      new Promise<string>((ok, fail) => {
        const args = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "-H", "x-aws-ec2-metadata-token-ttl-seconds: 60", `${imds}latest/api/token`];
        const p = spawn("/usr/bin/curl", args, { stdio: ["ignore", "pipe", "ignore"], ...(uid === undefined ? {} : { uid, gid: uid }) });
        let out = "";
        p.stdout!.on("data", (d) => (out += d));
        p.on("error", fail);
        p.on("exit", () => ok(out));
      });
    expect(await put(65534)).toBe("403");
    expect(await put()).toBe("200");
  });

  test("a hop needing an MFA code gets 503 at once with the fix, one line on the server's stderr, and the other sessions go on", async () => {
    const g = s.endpoints.get("guarded")!;
    const r = await httpRequest(g.uri, { headers: { Authorization: tokenOf(g) } });
    expect(r.status).toBe(503);
    const o = JSON.parse(r.body);
    expect(Object.keys(o)).toEqual(["Message"]);
    expect(o.Message).toContain("needs an MFA code");
    expect(o.Message).toContain("run: sesame credential-process guarded in a terminal");
    const lines = s.stderr().split("\n").filter((l) => l.includes("guarded"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^sesame: session guarded: .*needs an MFA code/);
    expect((await httpRequest(prod().uri, { headers: { Authorization: tokenOf(prod()) } })).status).toBe(200);
  });

  test("nothing secret in the server's output; SIGTERM stops it cleanly and removes the token files", async () => {
    const secrets = [tokenOf(prod()), tokenOf(dev()), w.alice.secretAccessKey, w.alice.accessKeyId];
    const served = JSON.parse((await httpRequest(prod().uri, { headers: { Authorization: tokenOf(prod()) } })).body);
    secrets.push(served.SecretAccessKey, served.Token, served.AccessKeyId);
    const files = [...s.endpoints.values()].map((e) => e.tokenFile);
    const st = await s.stop();
    expect(st.code).toBe(0);
    for (const f of files) expect(existsSync(f)).toBe(false);
    expect(existsSync(dirname(files[0]!))).toBe(false);
    for (const secret of secrets) {
      expect(s.stdout()).not.toContain(secret);
      expect(s.stderr()).not.toContain(secret);
    }
  });
});

describe("sesame serve: options", () => {
  test("--bind 0.0.0.0 is refused; --session and --all together, or neither, are usage errors", async () => {
    for (const args of [["serve", "--session", "prod", "--bind", "0.0.0.0"], ["serve", "--all", "--session", "prod"], ["serve"], ["serve", "--session", "prod", "--port", "99999"]]) {
      const r = await w.run(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^sesame: [^\n]+\n$/);
    }
    const unknown = await w.run(["serve", "--session", "nope"]);
    expect(unknown.code).not.toBe(0);
  });

  test("--all serves every session; --port fixes the port", async () => {
    // A free port, found by letting the OS pick one and releasing it.
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = probe.port;
    probe.stop(true);
    const s = await startServe(w, ["--all", "--port", String(port)]);
    try {
      expect([...s.endpoints.keys()].sort()).toEqual(["alice", "dev", "guarded", "prod"]);
      const dev = s.endpoints.get("dev")!;
      expect(new URL(dev.uri).port).toBe(String(port));
      const r = await httpRequest(dev.uri, { headers: { Authorization: tokenOf(dev) } });
      expect(r.status).toBe(200);
    } finally {
      killGroup(s.proc);
    }
  });

  test("--bind ::1 listens on the IPv6 loopback and checks Host [::1]:PORT", async () => {
    const s = await startServe(w, ["--session", "dev", "--bind", "::1"]);
    try {
      const dev = s.endpoints.get("dev")!;
      expect(dev.uri).toMatch(/^http:\/\/\[::1\]:\d+\/v1\/credentials\/dev$/);
      expect((await httpRequest(dev.uri, { headers: { Authorization: tokenOf(dev) } })).status).toBe(200);
      expect((await httpRequest(dev.uri, { host: `127.0.0.1:${new URL(dev.uri).port}`, headers: { Authorization: tokenOf(dev) } })).status).toBe(403);
    } finally {
      killGroup(s.proc);
    }
  });
});

describe("sesame serve: an SSO sign-in that is missing, then done", () => {
  test("503 with 'run: sesame login corp' at once, one line on stderr; after the login the next request is served", async () => {
    const { ADMIN_SESSION, ssoCatalog, ssoWorld } = await import("./sso-harness.ts");
    const { spawn } = await import("node:child_process");
    const { BIN } = await import("./harness.ts");
    const sw = await ssoWorld(ssoCatalog("", ADMIN_SESSION));
    const s = await startServe(sw, ["--session", "admin"]);
    try {
      const ep = s.endpoints.get("admin")!;
      const before = await httpRequest(ep.uri, { headers: { Authorization: tokenOf(ep) } });
      expect(before.status).toBe(503);
      expect(JSON.parse(before.body).Message).toMatch(/run: sesame login corp$/);
      expect(s.stderr().split("\n").filter((l) => l.includes("admin"))).toEqual([expect.stringMatching(/^sesame: session admin: .*run: sesame login corp$/)]);
      // The person signs in (device code, approved by the test playing the browser).
      await new Promise<void>((done, fail) => {
        const login = spawn(BIN, ["login", "corp", "--device-code"], { env: sw.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
        let err = "";
        let approved = false;
        login.stderr!.on("data", (d) => {
          err += d;
          const m = /shows the code (\S+)/.exec(err);
          if (m && !approved) {
            approved = true;
            sw.emu.approveDevice(m[1]!);
          }
        });
        login.stdout!.resume();
        login.on("exit", (code) => (code === 0 ? done() : fail(new Error(`login failed: ${err}`))));
      });
      const after = await httpRequest(ep.uri, { headers: { Authorization: tokenOf(ep) } });
      expect(after.status).toBe(200);
      expect(JSON.parse(after.body).RoleArn).toBe("arn:aws:iam::111111111111:role/AdministratorAccess");
      expect(s.stderr()).toContain("sesame: session admin: credentials are being served again");
    } finally {
      killGroup(s.proc);
      await sw.stop();
    }
  });
});
