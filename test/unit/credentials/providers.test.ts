// The provider layer through fake effects (the Deps seam): no binary, no network, no keyring. The cache
// and its locks are the real ones, in a temporary folder.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseToml } from "../../../src/catalog/parse.ts";
import { validateCatalog } from "../../../src/catalog/validate.ts";
import { providerFor } from "../../../src/credentials/chain.ts";
import { hopIdentity } from "../../../src/credentials/identity.ts";
import { singleFlight } from "../../../src/credentials/single-flight.ts";
import type { ChainOptions, Deps } from "../../../src/credentials/types.ts";
import type { SsoOidcAdapter, SsoPortalAdapter } from "../../../src/aws/sso-types.ts";
import type { StsAdapter } from "../../../src/aws/sts-types.ts";
import { CLOCK_FIX, toSesameError } from "../../../src/aws/errors.ts";
import { AwsRefused, EXIT, SesameError } from "../../../src/errors.ts";
import { entryLockPath, readEntry, writeEntry } from "../../../src/store/cache.ts";
import { acquire, hopLockOptions } from "../../../src/store/lock.ts";
import type { SecretStore } from "../../../src/store/secret-store.ts";
import type { Credentials } from "../../../src/types.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const CATALOG = `
[sso-session.corp]
sso_start_url = "https://corp.awsapps.com/start"
sso_region = "eu-west-1"
auto_login = true

[session.alice]
type = "iam-user"
region = "eu-west-1"

[session.dev]
type = "assume-role"
source = "alice"
role_arn = "arn:aws:iam::222222222222:role/Dev"

[session.prod]
type = "assume-role"
source = "dev"
role_arn = "arn:aws:iam::333333333333:role/Prod"

[session.admin]
type = "sso"
sso_session = "corp"
sso_account_id = "444444444444"
sso_role_name = "Admin"
`;
const cat = validateCatalog(parseToml("/c.toml", CATALOG));
const HOUR = 3600_000;

let serial = 0;
const creds = (tag: string): Credentials => ({ accessKeyId: `ASIA${tag.toUpperCase().padEnd(12, "X")}${++serial}`, secretAccessKey: `secret-${tag}`, sessionToken: `token-${tag}`, expiration: new Date(Date.now() + HOUR) });

/** Records every effect a provider uses; each adapter method not given fails the test when called. */
function world(over: { sts?: Partial<StsAdapter>; oidc?: Partial<SsoOidcAdapter>; portal?: Partial<SsoPortalAdapter>; secrets?: Record<string, string>; terminal?: boolean } = {}) {
  const home = mkdtempSync(join(tmpdir(), "sesame-providers-"));
  dirs.push(home);
  const calls: string[] = [];
  const kv = new Map(Object.entries(over.secrets ?? {}));
  const store: SecretStore = {
    kind: "file",
    get: async (a) => kv.get(a),
    set: async (a, v) => void kv.set(a, v),
    delete: async (a) => kv.delete(a),
  };
  const unexpected = (what: string) => () => Promise.reject(new Error(`unexpected call: ${what}`));
  const recorded = <T extends object>(name: string, impl: Partial<T> | undefined): T =>
    new Proxy({} as T, {
      // not a thenable: the adapter is handed out by an async function
      get: (_, key: string) => key === "then" ? undefined : (...args: unknown[]) => {
        calls.push(`${name}.${key}`);
        const f = (impl as Record<string, (...a: unknown[]) => unknown> | undefined)?.[key];
        return f ? f(...args) : unexpected(`${name}.${key}`)();
      },
    });
  const d: Deps = {
    now: () => Date.now(),
    env: { HOME: home, USER: "tester" },
    cacheDir: join(home, "cache"),
    stateDir: join(home, "state"),
    secrets: async () => store,
    sts: async () => recorded<StsAdapter>("sts", over.sts),
    ssoOidc: async () => recorded<SsoOidcAdapter>("oidc", over.oidc),
    ssoPortal: async () => recorded<SsoPortalAdapter>("portal", over.portal),
    signin: unexpected("signin"),
    mfaCode: unexpected("mfaCode"),
    terminal: async () => over.terminal ?? false,
  };
  return { d, calls, kv };
}
const opts = (o: Partial<ChainOptions> = {}): ChainOptions => ({ refreshMargin: 600, generation: "", ...o });
const aliceKey = { "iam-user:alice": JSON.stringify({ AccessKeyId: "AKIAALICEALICE000001", SecretAccessKey: "alice-secret" }) };

test("a 3-hop chain calls GetSessionToken once and AssumeRole twice, each signed by the hop below; a second call hits the cache", async () => {
  const signedBy: string[] = [];
  const { d, calls } = world({
    secrets: aliceKey,
    sts: {
      getSessionToken: async (c: Credentials) => (signedBy.push(c.accessKeyId), creds("alice")),
      assumeRole: async (c: Credentials, _r: string, p: { roleArn: string }) => (signedBy.push(c.accessKeyId), creds(p.roleArn.endsWith("Dev") ? "dev" : "prod")),
    },
  });
  const prod = providerFor(cat.sessions.get("prod")!, cat, d, opts());
  const first = await prod();
  expect(calls).toEqual(["sts.getSessionToken", "sts.assumeRole", "sts.assumeRole"]);
  expect(signedBy[0]).toBe("AKIAALICEALICE000001");
  expect(signedBy[1]!.startsWith("ASIAALICE")).toBe(true);
  expect(signedBy[2]!.startsWith("ASIADEV")).toBe(true);
  expect(first.accessKeyId.startsWith("ASIAPROD")).toBe(true);
  // every hop is cached: the same chain again makes no call
  expect(await providerFor(cat.sessions.get("prod")!, cat, d, opts())()).toEqual(first);
  expect(calls.length).toBe(3);
  // forceRefresh (--no-cache) fetches every hop anew
  await providerFor(cat.sessions.get("prod")!, cat, d, opts({ forceRefresh: true }))();
  expect(calls.length).toBe(6);
});

test("cacheOff: every hop fetches and nothing is stored", async () => {
  const { d, calls } = world({ secrets: aliceKey, sts: { getSessionToken: async () => creds("alice"), assumeRole: async () => creds("dev") } });
  await providerFor(cat.sessions.get("dev")!, cat, d, opts({ cacheOff: true }))();
  await providerFor(cat.sessions.get("dev")!, cat, d, opts({ cacheOff: true }))();
  expect(calls).toEqual(["sts.getSessionToken", "sts.assumeRole", "sts.getSessionToken", "sts.assumeRole"]);
  expect(await readEntry(d, hopIdentity(cat, cat.sessions.get("dev")!, d.env))).toBeUndefined();
});

test("under the lock, the entry another process wrote meanwhile is served and nothing is fetched", async () => {
  const { d } = world();
  const identity = "hop-identity-for-the-lock-test";
  const lock = await entryLockPath(d, identity);
  const release = await acquire(lock, hopLockOptions("alice", d.env)); // "another process" fetching
  let fetched = 0;
  let reads = 0;
  const theirs = creds("theirs");
  // now() is first asked right after the first read (a miss): only then does the other process store its
  // entry and let go of the lock, so the entry can only be found by the re-read under the lock.
  const now = () => {
    if (++reads === 1) void writeEntry(d, identity, theirs).then(release);
    return Date.now();
  };
  const waiting = singleFlight({ hop: "alice", identity, loc: d, env: d.env, now }, { refreshMargin: 600 }, async () => (fetched++, creds("mine")));
  expect(await waiting).toEqual(theirs);
  expect(fetched).toBe(0);
});

test("credentials that arrive already expired by this machine's clock are refused with the clock's fix, and not stored", async () => {
  const { d } = world();
  const stale = { ...creds("old"), expiration: new Date(Date.now() - 10 * 60_000) };
  const err = await singleFlight({ hop: "alice", identity: "clock-test", loc: d, env: d.env, now: d.now }, { refreshMargin: 600 }, async () => stale).catch((e) => e);
  expect(err).toBeInstanceOf(SesameError);
  expect(err.code).toBe("clock");
  expect(err.exit).toBe(EXIT.awsRefused);
  expect(err.fix).toBe(CLOCK_FIX);
  expect(await readEntry(d, "clock-test")).toBeUndefined();
});

const ssoSecrets = (accessToken: string) => ({
  "sso-token:corp": JSON.stringify({ accessToken, expiresAt: Date.now() + HOUR, refreshToken: "refresh-1", startUrl: "https://corp.awsapps.com/start", region: "eu-west-1" }),
  "sso-client:corp": JSON.stringify({ clientId: "cid", clientSecret: "csecret", expiresAt: Date.now() + 30 * 86400_000, grantTypes: ["refresh_token"], scopes: ["sso:account:access"] }),
});

test("SSO: after the portal rejects the access token, it is refreshed once under the lock and the call retried with the new one", async () => {
  const tokens: string[] = [];
  const { d, calls, kv } = world({
    secrets: ssoSecrets("revoked-token"),
    portal: {
      getRoleCredentials: async (_r: string, token: string) => {
        tokens.push(token);
        if (token === "revoked-token") throw new AwsRefused("SSO", "GetRoleCredentials", "UnauthorizedException", "Session token not found or invalid");
        return creds("admin");
      },
    },
    oidc: { createToken: async () => ({ accessToken: "fresh-token", expiresAt: Date.now() + 8 * HOUR, refreshToken: "refresh-2" }) },
  });
  const c = await providerFor(cat.sessions.get("admin")!, cat, d, opts())();
  expect(c.accessKeyId.startsWith("ASIAADMIN")).toBe(true);
  expect(tokens).toEqual(["revoked-token", "fresh-token"]);
  expect(calls).toEqual(["portal.getRoleCredentials", "oidc.createToken", "portal.getRoleCredentials"]);
  expect(JSON.parse(kv.get("sso-token:corp")!)).toMatchObject({ accessToken: "fresh-token", refreshToken: "refresh-2" });
});

test("SSO auto_login without a terminal refuses with the login's fix and starts no sign-in", async () => {
  const { d, calls } = world({ terminal: false });
  const err = await providerFor(cat.sessions.get("admin")!, cat, d, opts())().catch((e) => e);
  expect(err).toBeInstanceOf(SesameError);
  expect(err.code).toBe("sso.login-needed");
  expect(err.exit).toBe(EXIT.needsLogin);
  expect(err.message).toBe(`session "admin": IAM Identity Center session "corp" is not logged in`);
  expect(err.fix).toBe("run: sesame login corp");
  expect(calls).toEqual([]);
});

test("a refusal deep in a chain carries the innermost hop as a field, shown once before the text", async () => {
  const { d } = world({ secrets: aliceKey, sts: { getSessionToken: async () => Promise.reject(new AwsRefused("STS", "GetSessionToken", "AccessDenied", "no")) } });
  const err = await providerFor(cat.sessions.get("prod")!, cat, d, opts())().catch((e) => e);
  expect(err).toBeInstanceOf(AwsRefused);
  expect(err.hop).toBe("alice");
  expect(err.what).toBe("STS GetSessionToken refused: AccessDenied: no");
  expect(err.message).toBe(`session "alice": STS GetSessionToken refused: AccessDenied: no`);
  expect(err.exit).toBe(EXIT.awsRefused);
});

test("a missing stored key asks for it, at its hop", async () => {
  const { d, calls } = world();
  const err = await providerFor(cat.sessions.get("dev")!, cat, d, opts())().catch((e) => e);
  expect([err.code, err.exit, err.message, err.fix]).toEqual(["secret.missing", EXIT.needsLogin, `session "alice": no access key is stored for "alice"`, "run: sesame secret set alice"]);
  expect(calls).toEqual([]);
});

// What the SDK throws → what the user reads, and the exit status.
const sdk = (name: string, message: string, status = 400) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
const net = (code: string) => Object.assign(new Error(`connect ${code}`), { code });
test.each([
  ["AccessDenied on AssumeRole", sdk("AccessDenied", "not authorized", 403), "AssumeRole", { signer: "dev" }, "STS AssumeRole refused: AccessDenied: not authorized", EXIT.awsRefused, "check the role's trust policy (does it trust the credentials of dev?), the external id"],
  ["InvalidClientTokenId for a stored key", sdk("InvalidClientTokenId", "The security token included in the request is invalid."), "GetSessionToken", { signer: "alice", longLived: true }, "STS GetSessionToken refused: InvalidClientTokenId: The security token included in the request is invalid.", EXIT.awsRefused, "the access key stored for alice is not known to AWS (deleted or deactivated?): store a current one with sesame secret set alice"],
  ["ExpiredToken", sdk("ExpiredToken", "The security token included in the request is expired"), "AssumeRole", { signer: "dev" }, "STS AssumeRole refused: ExpiredToken: The security token included in the request is expired", EXIT.awsRefused, "the credentials of dev expired early at AWS: sesame dropped them; run the command again to fetch new ones"],
  ["a wrong MFA code", sdk("AccessDenied", "MultiFactorAuthentication failed", 403), "GetSessionToken", { signer: "alice", mfa: true }, "STS GetSessionToken refused: AccessDenied: MultiFactorAuthentication failed", EXIT.awsRefused, "the MFA code was wrong or already used, or mfa_serial of alice is not the user's MFA device: wait for the next code and try again"],
  ["a skewed clock", sdk("SignatureDoesNotMatch", "Signature expired: 20200101T000000Z is now earlier than ...", 403), "GetCallerIdentity", {}, "STS GetCallerIdentity refused: SignatureDoesNotMatch: Signature expired: 20200101T000000Z is now earlier than ...", EXIT.awsRefused, CLOCK_FIX],
  ["Throttling", sdk("Throttling", "Rate exceeded"), "AssumeRole", {}, "STS AssumeRole refused: Throttling: Rate exceeded", EXIT.awsRefused, "AWS is rate-limiting these calls: wait a moment and try again"],
  ["a 503 with an unknown code", sdk("Weird", "x", 503), "AssumeRole", {}, "STS AssumeRole refused: Weird: x", EXIT.awsRefused, "a temporary failure at AWS: try again in a minute (https://health.aws.amazon.com shows outages)"],
  ["a refused connection", net("ECONNREFUSED"), "AssumeRole", {}, "cannot reach STS (ECONNREFUSED)", EXIT.awsRefused, "check the network connection, any HTTPS_PROXY / NO_PROXY and any AWS_ENDPOINT_URL_* setting"],
  ["a timeout", net("ETIMEDOUT"), "AssumeRole", {}, "STS did not answer in time (AssumeRole)", EXIT.awsRefused, "check the network connection, any HTTPS_PROXY / NO_PROXY and any AWS_ENDPOINT_URL_* setting"],
] as const)("%s: its message, fix and exit status", (_, e, op, ctx, message, exit, fix) => {
  const err = toSesameError(e, "STS", op, undefined, ctx);
  expect(err.message).toBe(message);
  expect(err.exit).toBe(exit);
  expect(err.fix).toBe(fix);
});
