// The network layer through the binary: sesame decides its endpoints itself (never from ~/.aws files or
// AWS_PROFILE), goes through HTTP(S)_PROXY unless NO_PROXY says otherwise and names the proxy when it
// fails, caps every answer's size, and drops cached credentials AWS has refused (revoked or expired early).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import { startEmulator, type Emulator } from "../emulator/index.ts";
import { SIGNIN_PATH, signinService } from "../emulator/signin.ts";
import { fileKeyring } from "../../src/store/file-keyring.ts";
import { saveToken } from "../../src/sso/tokens.ts";
import { BIN, CHAIN_CATALOG, parseProcessOutput, storeAliceKey, world, type World } from "./harness.ts";

const oneLine = (s: string) => s.endsWith("\n") && s.indexOf("\n") === s.length - 1;

/**
 * A forward proxy on 127.0.0.1 that records what it is asked: absolute-URI requests (http) are forwarded to
 * 127.0.0.1 targets only; CONNECT (https) is recorded and refused (403), so no test traffic leaves the machine.
 */
async function recordingProxy(): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = createHttpServer((req, res) => {
    seen.push(`${req.method} ${req.url} HTTP/${req.httpVersion}`);
    let u: URL;
    try {
      u = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (u.hostname !== "127.0.0.1") {
      res.writeHead(403).end();
      return;
    }
    const up = httpRequest({ host: "127.0.0.1", port: Number(u.port), method: req.method, path: u.pathname + u.search, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  server.on("connect", (req, socket: Socket) => {
    seen.push(`CONNECT ${req.url} HTTP/${req.httpVersion}`);
    socket.on("error", () => {});
    socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let w: World;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
let decoy: Emulator;

beforeAll(async () => {
  w = await world();
  await storeAliceKey(w);
  proxy = await recordingProxy();
  decoy = await startEmulator();
  decoy.addUser({ userName: "alice", account: "111111111111", accessKeyId: w.alice.accessKeyId, secretAccessKey: w.alice.secretAccessKey });
});

afterAll(async () => {
  await proxy.close();
  await decoy.stop();
  await w.stop();
});

const clearCache = () => rmSync(w.cacheDir, { recursive: true, force: true });

describe("~/.aws/config and AWS_PROFILE never steer sesame", () => {
  const aws = () => join(w.home, ".aws");
  beforeAll(() => {
    mkdirSync(aws(), { recursive: true });
    const cfg = (name: string) =>
      `[${name}]\nendpoint_url = ${decoy.url}\nservices = decoy\nregion = ap-south-1\nretry_mode = bogus\nmax_attempts = 1\nuse_fips_endpoint = true\nuse_dualstack_endpoint = true\ndefaults_mode = auto\nsdk_ua_app_id = decoy\nauth_scheme_preference = sigv4a\nsigv4a_signing_region_set = *\n`;
    writeFileSync(
      join(aws(), "config"),
      `${cfg("default")}\n${cfg("profile decoy")}\n[services decoy]\nsts =\n  endpoint_url = ${decoy.url}\nsso =\n  endpoint_url = ${decoy.url}\nsso_oidc =\n  endpoint_url = ${decoy.url}\n`,
    );
    writeFileSync(join(aws(), "credentials"), `[default]\naws_access_key_id = AKIADECOYDECOYDECOY1\naws_secret_access_key = decoy\n[decoy]\naws_access_key_id = AKIADECOYDECOYDECOY1\naws_secret_access_key = decoy\n`);
  });
  afterAll(() => rmSync(aws(), { recursive: true, force: true }));

  test("with no AWS_ENDPOINT_URL_*, calls go to the real STS host (through the proxy here), never to endpoint_url", async () => {
    clearCache();
    proxy.seen.length = 0;
    decoy.resetCalls();
    const r = await w.run(["credential-process", "alice"], {
      env: { AWS_ENDPOINT_URL_STS: undefined, AWS_PROFILE: "decoy", HTTPS_PROXY: proxy.url, NO_PROXY: undefined },
    });
    expect(r.code).toBe(5);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain(`through the proxy ${proxy.url}`);
    expect(decoy.calls.length).toBe(0);
    // the catalog's region (eu-west-1), not the profile's, and no FIPS/dual-stack host
    expect(proxy.seen.length).toBeGreaterThan(0);
    for (const line of proxy.seen) expect(line).toBe("CONNECT sts.eu-west-1.amazonaws.com:443 HTTP/1.1");
  });

  test("with AWS_ENDPOINT_URL_STS the call goes there and succeeds, whatever the profile says", async () => {
    clearCache();
    decoy.resetCalls();
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "dev"], { env: { AWS_PROFILE: "decoy", AWS_DEFAULT_PROFILE: "decoy" } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    parseProcessOutput(r.stdout);
    expect(decoy.calls.length).toBe(0);
    expect(w.emu.callsFor("AssumeRole").length).toBe(1);
  });

  test("SSO role credentials: the portal call goes to the real portal host (through the proxy here), never to endpoint_url", async () => {
    clearCache();
    proxy.seen.length = 0;
    decoy.resetCalls();
    const fileEnv = { SESAME_KEYRING: "file", SESAME_FILE_PASSPHRASE: "network-pass", SESAME_FILE_KEYRING: join(w.home, "sso-keyring.enc") };
    const store = fileKeyring(fileEnv.SESAME_FILE_KEYRING, async () => fileEnv.SESAME_FILE_PASSPHRASE);
    await saveToken(store, "corp", { accessToken: "network-token", expiresAt: Date.now() + 8 * 3600_000, startUrl: "https://d-1234567890.awsapps.com/start", region: "eu-west-1" });
    const path = join(w.home, "sso-catalog.toml");
    writeFileSync(path, `[sso-session.corp]\nsso_start_url = "https://d-1234567890.awsapps.com/start"\nsso_region = "eu-west-1"\n\n[session.admin]\ntype = "sso"\nsso_session = "corp"\nsso_account_id = "111111111111"\nsso_role_name = "Admin"\n`);
    const r = await w.run(["credential-process", "admin", "--config", path], { env: { ...fileEnv, AWS_PROFILE: "decoy", HTTPS_PROXY: proxy.url } });
    expect(r.code).toBe(5);
    expect(oneLine(r.stderr)).toBe(true);
    expect(decoy.calls.length).toBe(0);
    expect(proxy.seen.length).toBeGreaterThan(0);
    for (const line of proxy.seen) expect(line).toBe("CONNECT portal.sso.eu-west-1.amazonaws.com:443 HTTP/1.1");
  });

  test("a fetch opens no file under ~/.aws (strace)", async () => {
    const strace = spawnSync("strace", ["-V"]);
    if (strace.status !== 0) {
      console.warn("skipped: strace is not installed");
      return;
    }
    clearCache();
    const log = join(w.home, "strace.txt");
    // (spawned asynchronously: the emulator answers from this process)
    const r = await w.run(["credential-process", "dev"], { bin: ["strace", "-f", "-e", "trace=open,openat,stat,statx,newfstatat,access", "-o", log, BIN], env: { AWS_PROFILE: "decoy" } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(log, "utf8")).toContain("sessions.toml"); // the trace saw the files sesame does open
    const touched = readFileSync(log, "utf8").split("\n").filter((l) => l.includes(`${w.home}/.aws`));
    expect(touched).toEqual([]);
  });
});

describe("HTTP(S)_PROXY, NO_PROXY", () => {
  test("calls go through HTTP_PROXY (lowercase too), and get credentials", async () => {
    for (const name of ["HTTP_PROXY", "http_proxy"]) {
      clearCache();
      proxy.seen.length = 0;
      const r = await w.run(["credential-process", "dev"], { env: { [name]: proxy.url } });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      parseProcessOutput(r.stdout);
      expect(proxy.seen.some((l) => l.startsWith(`POST ${w.emu.url}/ `))).toBe(true);
    }
  });

  test("NO_PROXY bypasses it", async () => {
    // (with a port: a form Bun's own NO_PROXY reading does not know, so this shows sesame's decision is the one used)
    for (const noProxy of ["127.0.0.1", "localhost,127.0.0.1", "*", `example.com, 127.0.0.1:${w.emu.port}`]) {
      clearCache();
      proxy.seen.length = 0;
      const r = await w.run(["credential-process", "dev"], { env: { HTTP_PROXY: proxy.url, NO_PROXY: noProxy } });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(proxy.seen).toEqual([]);
    }
  });

  test("a dead proxy: one line naming the proxy, exit 5", async () => {
    clearCache();
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const r = await w.run(["credential-process", "dev"], { env: { HTTP_PROXY: `http://user:pw@${dead.slice(7)}` } });
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("");
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain(`through the proxy ${dead}`);
    expect(r.stderr).not.toContain("pw");
  });

  test("AWS_CA_BUNDLE: an endpoint whose CA only it names is trusted; without it, one line that says so", async () => {
    if (spawnSync("openssl", ["version"]).status !== 0) {
      console.warn("skipped: openssl is not installed");
      return;
    }
    // a TLS-intercepting proxy's situation: a certificate from a private CA, in front of the emulator
    const dir = join(w.home, "tls");
    mkdirSync(dir, { recursive: true });
    const made = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "ca.pem"), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]);
    expect(made.status).toBe(0);
    const front = createHttpsServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "ca.pem")) }, (req, res) => {
      const up = httpRequest({ host: "127.0.0.1", port: w.emu.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      up.on("error", () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => front.listen(0, "127.0.0.1", () => r()));
    const url = `https://127.0.0.1:${(front.address() as AddressInfo).port}`;
    try {
      clearCache();
      const refused = await w.run(["credential-process", "dev"], { env: { AWS_ENDPOINT_URL_STS: url } });
      expect(refused.code).toBe(5);
      expect(oneLine(refused.stderr)).toBe(true);
      expect(refused.stderr).toContain("AWS_CA_BUNDLE");
      const r = await w.run(["credential-process", "dev"], { env: { AWS_ENDPOINT_URL_STS: url, AWS_CA_BUNDLE: join(dir, "ca.pem") } });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      parseProcessOutput(r.stdout);
    } finally {
      front.closeAllConnections();
      await new Promise<void>((r) => front.close(() => r()));
    }
  });

  test("AWS_CA_BUNDLE that cannot be read is one clear line", async () => {
    clearCache();
    const r = await w.run(["credential-process", "dev"], { env: { AWS_CA_BUNDLE: join(w.home, "no-such-ca.pem") } });
    expect(r.code).toBe(5);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain("cannot read AWS_CA_BUNDLE");
  });
});

describe("answer size is capped", () => {
  test("a 2 GB answer to GetSessionToken fails with one line, exit 5", async () => {
    clearCache();
    w.emu.faults.hugeBody("GetSessionToken");
    const r = await w.run(["credential-process", "alice"]);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("");
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain("answered with more than 4194304 bytes to GetSessionToken");
    w.emu.faults.clear();
  }, 30_000);

  test("a 2 GB answer from the sign-in endpoint fails with one line, exit 5", async () => {
    clearCache();
    const signin = signinService();
    w.emu.registerRoute("GET", SIGNIN_PATH, signin.handler);
    w.emu.faults.add({ service: "signin", action: "getSigninToken", hugeBodyBytes: 2 * 1024 ** 3 });
    const r = await w.run(["console", "dev", "--print"], { env: { SESAME_SIGNIN_URL: `${w.emu.url}${SIGNIN_PATH}` } });
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("");
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain("answered with more than 4194304 bytes");
    w.emu.faults.clear();
  }, 30_000);

  test("SESAME_SIGNIN_URL must be https unless loopback", async () => {
    const r = await w.run(["console", "dev", "--print"], { env: { SESAME_SIGNIN_URL: "http://signin.example.com/federation" } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain("SESAME_SIGNIN_URL must be an https:// URL");
  });
});

describe("credentials AWS refused are dropped, not served again", () => {
  test("whoami after the session's credentials were revoked: says so, fetches new ones, answers", async () => {
    clearCache();
    expect((await w.run(["whoami", "alice"])).code).toBe(0);
    const before = parseProcessOutput((await w.run(["credential-process", "alice"])).stdout);
    w.emu.revokeCredentials(before.AccessKeyId);
    const r = await w.run(["whoami", "alice"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`sesame: AWS refused the cached credentials of "alice" (InvalidClientTokenId): dropped them, fetching new ones\n`);
    expect(r.stdout).toContain(w.alice.arn);
    const after = parseProcessOutput((await w.run(["credential-process", "alice"])).stdout);
    expect(after.AccessKeyId).not.toBe(before.AccessKeyId);
  });

  test("whoami after the credentials expired early at AWS", async () => {
    clearCache();
    const before = parseProcessOutput((await w.run(["credential-process", "dev"])).stdout);
    w.emu.expireCredentials(before.AccessKeyId);
    const r = await w.run(["whoami", "dev"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`"dev" (ExpiredToken): dropped them`);
    const after = parseProcessOutput((await w.run(["credential-process", "dev"])).stdout);
    expect(after.AccessKeyId).not.toBe(before.AccessKeyId);
  });

  test("refused again after the new fetch: exit 5, and neither entry is served afterwards", async () => {
    clearCache();
    w.emu.resetCalls();
    const before = parseProcessOutput((await w.run(["credential-process", "alice"])).stdout);
    w.emu.faults.error("GetCallerIdentity", "ExpiredToken", "The security token included in the request is expired", 403, 2);
    const r = await w.run(["whoami", "alice"]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("ExpiredToken");
    const after = parseProcessOutput((await w.run(["credential-process", "alice"])).stdout);
    expect(after.AccessKeyId).not.toBe(before.AccessKeyId);
    expect(w.emu.callsFor("GetSessionToken").length).toBe(3); // before, whoami's new fetch, after (nothing refused was served)
    w.emu.faults.clear();
  });

  test("a chain whose cached source hops were revoked fetches them once more and succeeds", async () => {
    clearCache();
    expect((await w.run(["credential-process", "dev"])).code).toBe(0); // alice and dev cached
    w.emu.revokeCredentials(); // every temporary credential issued so far
    const r = await w.run(["credential-process", "prod"]);
    expect(r.code).toBe(0);
    parseProcessOutput(r.stdout);
    expect(r.stderr).toContain(`"dev" (InvalidClientTokenId): dropped them`);
    expect(r.stderr).toContain(`"alice" (InvalidClientTokenId): dropped them`);
    // and dev's new entry is served from now on
    const again = await w.run(["whoami", "dev"]);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
  });
});

describe("refusals name the real thing and the real fix", () => {
  test("a deleted access key names the session in the fix", async () => {
    clearCache();
    const key = w.emu.addUser({ userName: "carol", account: "111111111111" });
    w.writeCatalog(`[defaults]\nregion = "eu-west-1"\n\n[session.carol-work]\ntype = "iam-user"\n`);
    try {
      const set = await w.run(["secret", "set", "carol-work"], { stdin: `${key.accessKeyId}\n${key.secretAccessKey}\n` });
      expect(set.code).toBe(0);
      w.emu.state.deleteAccessKey(key.accessKeyId);
      const r = await w.run(["credential-process", "carol-work"]);
      expect(r.code).toBe(5);
      expect(oneLine(r.stderr)).toBe(true);
      expect(r.stderr).toContain("InvalidClientTokenId");
      expect(r.stderr).toContain("sesame secret set carol-work");
      expect(r.stderr).not.toContain("NAME");
    } finally {
      w.writeCatalog(CHAIN_CATALOG);
    }
  });

  test("InternalFailure says to try again later", async () => {
    clearCache();
    w.emu.faults.serverError("GetSessionToken", 6);
    const r = await w.run(["credential-process", "alice"]);
    expect(r.code).toBe(5);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain("InternalFailure");
    expect(r.stderr).toContain("try again in a minute");
    w.emu.faults.clear();
  }, 30_000);
});
