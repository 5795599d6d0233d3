import { expect, test } from "bun:test";
import { parseToml } from "../../../src/catalog/parse.ts";
import { validateCatalog } from "../../../src/catalog/validate.ts";
import { chainOf, hopIdentity } from "../../../src/credentials/identity.ts";
import { cleanSessionName } from "../../../src/credentials/session-name.ts";

const base = `
[session.alice]
type = "iam-user"
[session.dev]
type = "assume-role"
source = "alice"
role_arn = "arn:aws:iam::222222222222:role/Dev"
[session.prod]
type = "assume-role"
source = "dev"
role_arn = "arn:aws:iam::333333333333:role/Prod"
`;
const cat = (t: string) => validateCatalog(parseToml("/c.toml", t));
const env = { USER: "alice" };

test("the chain runs from the session to its root", () => {
  const c = cat(base);
  expect(chainOf(c, c.sessions.get("prod")!).map((s) => s.name)).toEqual(["prod", "dev", "alice"]);
});

test("any edit along the chain changes the identity of every hop above it", () => {
  const a = cat(base);
  const edits = [
    base.replace("role/Dev", "role/Dev2"),
    base.replace('[session.alice]\ntype = "iam-user"', '[session.alice]\ntype = "iam-user"\nmfa_serial = "arn:aws:iam::111111111111:mfa/alice"'),
    base + 'external_id = "abc"\n',
    base + "duration_seconds = 1800\n",
    base + 'region = "eu-west-2"\n',
  ];
  for (const t of edits) {
    const b = cat(t);
    expect(hopIdentity(b, b.sessions.get("prod")!, env)).not.toBe(hopIdentity(a, a.sessions.get("prod")!, env));
  }
  // an edit above a hop does not touch the hops below it
  const b = cat(base + 'external_id = "abc"\n');
  expect(hopIdentity(b, b.sessions.get("dev")!, env)).toBe(hopIdentity(a, a.sessions.get("dev")!, env));
});

test("the endpoint and keyring are part of the identity", () => {
  const a = cat(base);
  const s = a.sessions.get("alice")!;
  expect(hopIdentity(a, s, { ...env, AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1" })).not.toBe(hopIdentity(a, s, env));
  expect(hopIdentity(a, s, { ...env, SESAME_KEYRING: "file" })).not.toBe(hopIdentity(a, s, env));
});

test("every endpoint input sesame honours is part of the identity, for every hop type", () => {
  const c = cat(base + '[sso-session.corp]\nsso_start_url = "https://d-1.awsapps.com/start"\nsso_region = "eu-west-1"\n[session.admin]\ntype = "sso"\nsso_session = "corp"\nsso_account_id = "111111111111"\nsso_role_name = "Admin"\n');
  const inputs: [string, Record<string, string>][] = [
    ["alice", { AWS_ENDPOINT_URL: "http://127.0.0.1:1" }],
    ["alice", { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1" }],
    ["dev", { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1" }],
    ["admin", { AWS_ENDPOINT_URL: "http://127.0.0.1:1" }],
    ["admin", { AWS_ENDPOINT_URL_SSO: "http://127.0.0.1:1" }],
    ["admin", { AWS_ENDPOINT_URL_SSO_OIDC: "http://127.0.0.1:1" }],
  ];
  for (const [name, extra] of inputs) {
    const s = c.sessions.get(name)!;
    expect(hopIdentity(c, s, { ...env, ...extra })).not.toBe(hopIdentity(c, s, env));
    // AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns them off: the same identity as none
    expect(hopIdentity(c, s, { ...env, ...extra, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" })).toBe(hopIdentity(c, s, env));
  }
  // what the shared config or AWS_PROFILE say cannot change where sesame calls, so they are not part of it
  const alice = c.sessions.get("alice")!;
  expect(hopIdentity(c, alice, { ...env, AWS_PROFILE: "other", AWS_CONFIG_FILE: "/x" })).toBe(hopIdentity(c, alice, env));
});

test("role session names are cleaned to STS's character set and never empty", () => {
  expect(cleanSessionName("alice")).toBe("sesame-alice");
  expect(cleanSessionName("DOMAIN\\Jörg Müller")).toBe("sesame-DOMAIN-J-rg-M-ller");
  expect(cleanSessionName("")).toBe("sesame");
  expect(cleanSessionName("x".repeat(100))).toHaveLength(64);
  expect(cleanSessionName("a b/c")).toMatch(/^[\w+=,.@-]{2,64}$/);
});

test("an SSO hop's identity includes the keyring its sign-in is kept in (issue 9 item 5)", () => {
  const c = cat(`[sso-session.corp]\nsso_start_url = "https://corp.awsapps.com/start"\nsso_region = "eu-west-1"\n[session.ro]\ntype = "sso"\nsso_session = "corp"\nsso_account_id = "111111111111"\nsso_role_name = "ReadOnly"\n`);
  const s = c.sessions.get("ro")!;
  const id = hopIdentity(c, s, env);
  expect(hopIdentity(c, s, { ...env, SESAME_KEYRING: "file" })).not.toBe(id);
  expect(hopIdentity(c, s, { ...env, SESAME_KEYRING_SERVICE: "other" })).not.toBe(id);
  expect(hopIdentity(c, s, { ...env, SESAME_FILE_KEYRING: "/k.enc" })).not.toBe(id);
});

test("iam-user and SSO roots belong to their catalog: same-named roots of two catalogs never share an entry", () => {
  const a = cat(base);
  const b = validateCatalog(parseToml("/home/other/sessions.toml", base));
  for (const name of ["alice", "prod"]) expect(hopIdentity(b, b.sessions.get(name)!, env)).not.toBe(hopIdentity(a, a.sessions.get(name)!, env));
  // the same file, named two ways, is one catalog (lexically: no syscall on the warm path)
  const c = validateCatalog(parseToml("/x/../c.toml", base));
  expect(hopIdentity(c, c.sessions.get("prod")!, env)).toBe(hopIdentity(a, a.sessions.get("prod")!, env));
});

test("identitiesFor (list) gives every session exactly the identity currentIdentity gives it, generations included", async () => {
  const { currentIdentity, identitiesFor } = await import("../../../src/credentials/identity.ts");
  const { bumpGeneration, rootKey } = await import("../../../src/store/generation.ts");
  const { mkdtempSync } = await import("node:fs");
  const { join } = await import("node:path");
  const state = mkdtempSync(join(process.env.TMPDIR ?? "/tmp", "identities-"));
  const text = base + `
[session.bob]
type = "iam-user"
[session.ops]
type = "assume-role"
source = "bob"
role_arn = "arn:aws:iam::444444444444:role/Ops"
[session.ops2]
type = "assume-role"
source = "ops"
role_arn = "arn:aws:iam::444444444444:role/Ops2"
external_id = "ext-42"
`;
  const c = cat(text);
  await bumpGeneration(state, rootKey(c, c.sessions.get("bob")!)); // bob's chain has a generation, alice's none
  const identity = await identitiesFor(c, env, state);
  // in an order where sources come after the sessions built on them, and twice (the memo must not leak)
  for (const name of ["ops2", "prod", "ops", "dev", "bob", "alice", "prod", "ops2"]) {
    const s = c.sessions.get(name)!;
    expect(identity(s)).toBe(await currentIdentity(c, s, env, state));
  }
});
