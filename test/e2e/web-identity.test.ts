// Issue 14 part 2 through the compiled binary: web-identity sessions from a token file (re-read on every
// renewal), a token command, and a local stand-in for the GitHub Actions OIDC token service; refusals in one line.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseProcessOutput, world, type World } from "./harness.ts";

const CI_ROLE = "arn:aws:iam::444444444444:role/CI";
const CHAINED_ROLE = "arn:aws:iam::555555555555:role/Deployer";

/** An (unsigned) JWT as OIDC issuers shape them; the emulator reads its claims. */
function jwt(claims: Record<string, unknown>): string {
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b({ alg: "RS256", typ: "JWT" })}.${b({ iss: "https://token.actions.githubusercontent.com", sub: "repo:acme/app:ref:refs/heads/main", iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600, ...claims })}.c2lnbmF0dXJl`;
}

let w: World;
let tokenFile: string;
let gh: Server;
let ghUrl: string;
const GH_BEARER = "gh-request-token-secret";
const ghRequests: { audience: string | null; auth: string | undefined }[] = [];

beforeAll(async () => {
  w = await world();
  tokenFile = join(w.home, "token");
  // The role's OIDC provider accepts the default audience only.
  w.emu.addRole({ arn: CI_ROLE, webIdentityAudiences: ["sts.amazonaws.com"], maxSessionDuration: 7200 });
  w.emu.addRole({ arn: CHAINED_ROLE, trust: [CI_ROLE] });
  // The GitHub Actions token service, as @actions/core getIDToken calls it.
  gh = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    ghRequests.push({ audience: u.searchParams.get("audience"), auth: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${GH_BEARER}`) {
      res.writeHead(401).end('{"message":"bad token"}');
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ value: jwt({ aud: u.searchParams.get("audience") }) }));
  });
  await new Promise<void>((r) => gh.listen(0, "127.0.0.1", r));
  ghUrl = `http://127.0.0.1:${(gh.address() as AddressInfo).port}/_apis/idtoken?api-version=2.0`;
  w.writeCatalog(`
[defaults]
region = "eu-west-1"

[session.k8s]
type = "web-identity"
role_arn = "${CI_ROLE}"
web_identity_token_file = "${tokenFile}"
duration_seconds = 7200

[session.deploy]
type = "assume-role"
source = "k8s"
role_arn = "${CHAINED_ROLE}"

[session.cmd]
type = "web-identity"
role_arn = "${CI_ROLE}"
web_identity_token_command = "cat '${tokenFile}'"

[session.failing]
type = "web-identity"
role_arn = "${CI_ROLE}"
web_identity_token_command = "echo 'issuer unreachable' >&2; exit 3"

[session.hanging]
type = "web-identity"
role_arn = "${CI_ROLE}"
web_identity_token_command = "sleep 30"

[session.gha]
type = "web-identity"
role_arn = "${CI_ROLE}"

[session.missing-tool]
type = "web-identity"
role_arn = "${CI_ROLE}"
web_identity_token_command = "no-such-token-tool-xyz --print"

[session.gha-other]
type = "web-identity"
role_arn = "${CI_ROLE}"
audience = "api://other"
`);
});
afterAll(async () => {
  gh.close();
  await w.stop();
});

function clearCache() {
  for (const f of readdirSync(w.cacheDir)) if (f.endsWith(".cred")) unlinkSync(join(w.cacheDir, f));
}

const calls = () => w.emu.callsFor("AssumeRoleWithWebIdentity");

describe("web_identity_token_file", () => {
  test("credential-process assumes the role with the file's token, unsigned, for duration_seconds", async () => {
    const token = jwt({ aud: "sts.amazonaws.com" });
    writeFileSync(tokenFile, token + "\n");
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "k8s"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = parseProcessOutput(r.stdout);
    expect(Date.parse(out.Expiration) - Date.now()).toBeGreaterThan(3600_000);
    const c = calls();
    expect(c).toHaveLength(1);
    expect(c[0]!.accessKeyId).toBeUndefined(); // no Authorization header: unsigned
    expect(c[0]!.params.WebIdentityToken).toBe(token);
    expect(c[0]!.params.RoleSessionName).toBe("sesame-tester");
    expect(c[0]!.params.DurationSeconds).toBe("7200");
    // served from the cache the second time
    const again = await w.run(["credential-process", "k8s"]);
    expect(again.code).toBe(0);
    expect(calls()).toHaveLength(1);
  });

  test("the token is read again on every renewal (Kubernetes rotates it) and is never stored", async () => {
    const rotated = jwt({ aud: "sts.amazonaws.com", jti: "rotated" });
    writeFileSync(tokenFile, rotated);
    clearCache();
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "k8s", "--verbose"]);
    expect(r.code).toBe(0);
    expect(calls()[0]!.params.WebIdentityToken).toBe(rotated);
    expect(r.stderr).not.toContain(rotated);
    expect(r.stderr).not.toContain(rotated.split(".")[1]!);
    for (const dir of [w.cacheDir, w.stateDir]) {
      for (const f of readdirSync(dir, { recursive: true }) as string[]) {
        let text = "";
        try {
          text = readFileSync(join(dir, f), "latin1");
        } catch { /* a folder */ }
        expect(text).not.toContain(rotated.split(".")[1]!.slice(0, 40));
      }
    }
  });

  test("a role can be chained from a web-identity session", async () => {
    clearCache();
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "deploy"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    parseProcessOutput(r.stdout);
    expect(calls()).toHaveLength(1);
    const ar = w.emu.callsFor("AssumeRole");
    expect(ar).toHaveLength(1);
    expect(ar[0]!.params.RoleArn).toBe(CHAINED_ROLE);
  });

  test("an expired token: one line saying the file holds an expired token", async () => {
    writeFileSync(tokenFile, jwt({ aud: "sts.amazonaws.com", exp: Math.floor(Date.now() / 1000) - 60 }));
    clearCache();
    const r = await w.run(["credential-process", "k8s"]);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain('session "k8s"');
    expect(r.stderr).toContain("ExpiredTokenException");
    expect(r.stderr).toContain(`the token file ${tokenFile} holds an expired token`);
  });

  test("a missing token file: one line naming the file", async () => {
    unlinkSync(tokenFile);
    clearCache();
    const r = await w.run(["credential-process", "k8s"]);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`cannot read ${tokenFile} (ENOENT)`);
    expect(r.stderr).toContain("web_identity_token_file");
  });
});

describe("web_identity_token_command", () => {
  test("the command's stdout is the token", async () => {
    const token = jwt({ aud: "sts.amazonaws.com", jti: "from-command" });
    writeFileSync(tokenFile, token);
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "cmd"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(calls()[0]!.params.WebIdentityToken).toBe(token);
  });

  test("a command that fails: one line with its exit status and what it said", async () => {
    const r = await w.run(["credential-process", "failing"]);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("failed with exit status 3: issuer unreachable");
  });

  test("a command that hangs is stopped after SESAME_COMMAND_TIMEOUT with one line", async () => {
    const r = await w.run(["credential-process", "hanging"], { env: { SESAME_COMMAND_TIMEOUT: "1" } });
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("did not finish within 1 s");
  });
});

describe("the GitHub Actions token service", () => {
  test("asked with the job's bearer token for audience sts.amazonaws.com by default", async () => {
    w.emu.resetCalls();
    ghRequests.length = 0;
    const r = await w.run(["credential-process", "gha", "--verbose"], { env: { ACTIONS_ID_TOKEN_REQUEST_URL: ghUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: GH_BEARER } });
    expect(r.code).toBe(0);
    parseProcessOutput(r.stdout);
    expect(ghRequests).toEqual([{ audience: "sts.amazonaws.com", auth: `Bearer ${GH_BEARER}` }]);
    expect(calls()).toHaveLength(1);
    expect(r.stderr).not.toContain(GH_BEARER);
  });

  test("a token for another audience is refused in one line saying so", async () => {
    const r = await w.run(["credential-process", "gha-other"], { env: { ACTIONS_ID_TOKEN_REQUEST_URL: ghUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: GH_BEARER } });
    expect(ghRequests.at(-1)!.audience).toBe("api://other");
    expect(r.code).toBe(5);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("InvalidIdentityToken");
    expect(r.stderr).toContain("Incorrect token audience");
    expect(r.stderr).toContain("set audience in the session to a client id of that provider");
  });

  test("outside a job (no request URL) and with a refused request token: one line with the fix", async () => {
    const none = await w.run(["credential-process", "gha"], { env: { ACTIONS_ID_TOKEN_REQUEST_URL: undefined } });
    expect(none.code).toBe(4);
    expect(none.stderr.trim().split("\n")).toHaveLength(1);
    expect(none.stderr).toContain("id-token: write");
    clearCache();
    const refused = await w.run(["credential-process", "gha"], { env: { ACTIONS_ID_TOKEN_REQUEST_URL: ghUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "wrong" } });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain("answered HTTP 401");
    expect(refused.stderr).not.toContain("wrong");
  });
});

describe("the GitHub Actions token service, through a proxy", () => {
  test("the token request goes through HTTP(S)_PROXY like every request sesame makes; a dead proxy is named", async () => {
    clearCache();
    const r = await w.run(["credential-process", "gha"], { env: { ACTIONS_ID_TOKEN_REQUEST_URL: ghUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: GH_BEARER, HTTP_PROXY: "http://127.0.0.1:1", NO_PROXY: undefined } });
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("the GitHub Actions token service at 127.0.0.1");
    expect(r.stderr).toContain("through the proxy http://127.0.0.1:1");
    expect(r.stderr).not.toContain(GH_BEARER);
  });
});

describe("list and import", () => {
  test("list shows a cached web-identity session with its expiry", async () => {
    writeFileSync(tokenFile, jwt({ aud: "sts.amazonaws.com" }));
    clearCache();
    expect((await w.run(["credential-process", "k8s"])).code).toBe(0);
    const r = await w.run(["list", "--json"]);
    expect(r.code).toBe(0);
    const row = (JSON.parse(r.stdout) as { name: string; state: string; expiration: string | null; type: string }[]).find((x) => x.name === "k8s")!;
    expect(row.type).toBe("web-identity");
    expect(row.state).toBe("cached");
    expect(Date.parse(row.expiration!) - Date.now()).toBeGreaterThan(3600_000);
  });
});

describe("doctor", () => {
  test("warns about an unreadable token file and a command whose program is not on PATH", async () => {
    unlinkSync(tokenFile);
    const r = await w.run(["doctor", "--json"]);
    const findings = (JSON.parse(r.stdout) as { findings: { check: string; status: string; message: string }[] }).findings.filter((f) => f.check === "roots");
    expect(findings.find((f) => f.message.includes(`token file ${tokenFile} cannot be read (ENOENT)`))?.status).toBe("warn");
    expect(findings.find((f) => f.message.includes("no-such-token-tool-xyz"))?.status).toBe("warn");
    expect(findings.some((f) => f.message.includes('session "cmd"'))).toBe(false); // cat is there
  });
});
