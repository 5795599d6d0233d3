// sesame import's translation table (src/awsconfig/import-plan.ts), the credentials-file stripper, and the
// profile adoption import asks of profiles sync (src/awsconfig/managed.ts, SyncOptions.adopt).
import { describe, expect, test } from "bun:test";
import { planImport, readAwsProfiles, redactIniSecrets, stripCredentials, type ImportPlan, type ProfileOutcome } from "../../../src/awsconfig/import-plan.ts";
import { tomlKey, tomlString } from "../../../src/catalog/toml-write.ts";
import { syncProfiles } from "../../../src/awsconfig/managed.ts";
import { parseToml } from "../../../src/catalog/parse.ts";
import { validateCatalog } from "../../../src/catalog/validate.ts";
import { CatalogError } from "../../../src/errors.ts";

const FILE = "/home/u/.config/sesame/sessions.toml";
const KEY = { id: "AKIAIOSFODNN7EXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
const KEY2 = { id: "AKIAI44QH8DHBEXAMPLE", secret: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY" };

const ini = (...sections: string[]) => sections.join("\n\n") + "\n";
const keys = (name: string, k = KEY, extra = "") => `[${name}]\naws_access_key_id = ${k.id}\naws_secret_access_key = ${k.secret}${extra ? "\n" + extra : ""}`;

function plan(config: string, credentials = "", catalogText?: string): ImportPlan {
  return planImport({ config, credentials, catalogFile: FILE, ...(catalogText !== undefined ? { catalogText } : {}) });
}

function outcome(p: ImportPlan, profile: string): ProfileOutcome {
  const o = p.profiles.find((x) => x.profile === profile);
  if (!o) throw new Error(`no outcome for ${profile}`);
  return o;
}

function created(p: ImportPlan, profile: string) {
  const o = outcome(p, profile);
  if (o.kind !== "create") throw new Error(`${profile} is ${o.kind}: ${"reason" in o ? o.reason : ""}`);
  return o;
}

function skipped(p: ImportPlan, profile: string): string {
  const o = outcome(p, profile);
  if (o.kind !== "skip") throw new Error(`${profile} is ${o.kind}`);
  return o.reason;
}

/** The catalog the plan writes must load, and hold what the plan says. */
function loads(p: ImportPlan) {
  return validateCatalog(parseToml(FILE, p.text));
}

describe("reading the two files", () => {
  test("credentials-file values win over the config file's; option names are case-insensitive", () => {
    const { profiles } = readAwsProfiles("[profile a]\nRegion = eu-west-1\naws_access_key_id = AKIACONFIGCONFIGCONF\n", "[a]\nAWS_ACCESS_KEY_ID = AKIACREDSCREDSCREDS1\n");
    const a = profiles.get("a")!;
    expect(a.options.get("region")).toEqual({ value: "eu-west-1", file: "config" });
    expect(a.options.get("aws_access_key_id")).toEqual({ value: "AKIACREDSCREDSCREDS1", file: "credentials" });
    expect(a.inConfig && a.inCredentials).toBe(true);
  });

  test("[NAME] without `profile` in the config file is not a profile (botocore ignores it); in credentials it is", () => {
    const { profiles } = readAwsProfiles("[dev]\nregion = x\n[default]\nregion = y\n", "[dev]\nregion = z\n");
    expect([...profiles.keys()]).toEqual(["default", "dev"]);
    expect(profiles.get("dev")!.inConfig).toBe(false);
  });
});

describe("translation table", () => {
  const cases: { name: string; config?: string; credentials?: string; profile: string; table?: Record<string, unknown>; skip?: RegExp }[] = [
    { name: "static keys in the credentials file → iam-user, region from the config", config: "[profile alice]\nregion = eu-west-1\n", credentials: keys("alice"), profile: "alice", table: { type: "iam-user", region: "eu-west-1" } },
    { name: "static keys in the config file → iam-user", config: `[profile alice]\naws_access_key_id = ${KEY.id}\naws_secret_access_key = ${KEY.secret}\nmfa_serial = arn:aws:iam::111111111111:mfa/alice\n`, profile: "alice", table: { type: "iam-user", mfa_serial: "arn:aws:iam::111111111111:mfa/alice" } },
    { name: "the default profile → session \"default\"", credentials: keys("default"), profile: "default", table: { type: "iam-user" } },
    {
      name: "role_arn + source_profile → assume-role with every setting carried over",
      config: "[profile dev]\nrole_arn = arn:aws:iam::222222222222:role/Dev\nsource_profile = alice\nexternal_id = ext-123\nrole_session_name = me\nduration_seconds = 1800\nmfa_serial = arn:aws:iam::111111111111:mfa/alice\nregion = us-east-2\n",
      credentials: keys("alice"),
      profile: "dev",
      table: { type: "assume-role", source: "alice", role_arn: "arn:aws:iam::222222222222:role/Dev", external_id: "ext-123", role_session_name: "me", duration_seconds: 1800, mfa_serial: "arn:aws:iam::111111111111:mfa/alice", region: "us-east-2" },
    },
    {
      name: "sso_session profile → sso",
      config: "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n[profile admin]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = eu-central-1\n",
      profile: "admin",
      table: { type: "sso", sso_session: "corp", sso_account_id: "111111111111", sso_role_name: "Admin", region: "eu-central-1" },
    },
    { name: "role_arn + credential_source", config: "[profile ci]\nrole_arn = arn:aws:iam::222222222222:role/CI\ncredential_source = Environment\n", profile: "ci", skip: /^credential_source = Environment has no sesame equivalent/ },
    {
      name: "role_arn + web_identity_token_file → web-identity with its settings",
      config: "[profile wi]\nrole_arn = arn:aws:iam::222222222222:role/CI\nweb_identity_token_file = /var/run/token\nrole_session_name = ci\nduration_seconds = 7200\nregion = us-east-2\n",
      profile: "wi",
      table: { type: "web-identity", role_arn: "arn:aws:iam::222222222222:role/CI", web_identity_token_file: "/var/run/token", role_session_name: "ci", duration_seconds: 7200, region: "us-east-2" },
    },
    {
      name: "login_session (aws login) → aws-login, shared with the AWS CLI",
      config: "[profile console]\nlogin_session = arn:aws:iam::123456789012:user/dev\nregion = eu-west-3\n",
      profile: "console",
      table: { type: "aws-login", login_session: "arn:aws:iam::123456789012:user/dev", share_with_aws_cli: true, region: "eu-west-3" },
    },
    { name: "login_session that is not a console identity", config: "[profile c]\nlogin_session = arn:aws:iam::123456789012:role/R\n", profile: "c", skip: /is not the ARN of a console identity/ },
    { name: "web_identity_token_file with source_profile", config: "[profile wi]\nrole_arn = arn:aws:iam::222222222222:role/CI\nweb_identity_token_file = /var/run/token\nsource_profile = a\n", credentials: keys("a"), profile: "wi", skip: /both source_profile and web_identity_token_file/ },
    { name: "role_arn alone", config: "[profile r]\nrole_arn = arn:aws:iam::222222222222:role/R\n", profile: "r", skip: /without source_profile or credential_source/ },
    { name: "source_profile and credential_source together", config: "[profile r]\nrole_arn = arn:aws:iam::222222222222:role/R\nsource_profile = a\ncredential_source = Environment\n", profile: "r", skip: /both source_profile and credential_source/ },
    { name: "credential_process", config: "[profile p]\ncredential_process = /usr/bin/other\n", profile: "p", skip: /uses its own credential_process/ },
    { name: "temporary keys", credentials: keys("t", KEY, "aws_session_token = FwoGZXIvYXdzEXAMPLE"), profile: "t", skip: /temporary keys/ },
    { name: "an ASIA key without its token", credentials: keys("t", { id: "ASIAIOSFODNN7EXAMPLE", secret: KEY.secret }), profile: "t", skip: /temporary access key/ },
    { name: "half a key", credentials: `[h]\naws_access_key_id = ${KEY.id}\n`, profile: "h", skip: /aws_secret_access_key missing/ },
    { name: "nothing but settings", config: "[default]\nregion = eu-west-1\noutput = json\n", profile: "default", skip: /holds no credentials/ },
    { name: "a profile sesame already manages", config: "[profile m]\nsesame_managed = true\ncredential_process = /bin/sesame credential-process m\n", profile: "m", skip: /already points at sesame/ },
    { name: "a name sesame cannot use", credentials: keys("team/dev"), profile: "team/dev", skip: /cannot be a sesame session name/ },
    { name: "source_profile that does not exist", config: "[profile r]\nrole_arn = arn:aws:iam::222222222222:role/R\nsource_profile = ghost\n", profile: "r", skip: /source_profile "ghost" does not exist/ },
    { name: "source_profile naming itself", config: "[profile r]\nrole_arn = arn:aws:iam::222222222222:role/R\nsource_profile = r\n", credentials: keys("r"), profile: "r", skip: /is the profile itself/ },
    { name: "an sso profile that only signs in", config: "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n[profile login]\nsso_session = corp\n", profile: "login", skip: /only signs in/ },
    { name: "an sso profile naming a missing sso-session", config: "[profile a]\nsso_session = nope\nsso_account_id = 111111111111\nsso_role_name = R\n", profile: "a", skip: /names no \[sso-session nope\]/ },
    {
      name: "an sso profile whose start URL differs from its sso-session's",
      config: "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n[profile a]\nsso_session = corp\nsso_start_url = https://other.awsapps.com/start\nsso_account_id = 111111111111\nsso_role_name = R\n",
      profile: "a",
      skip: /differs from \[sso-session corp\]/,
    },
    { name: "duration_seconds that is not a number", config: "[profile r]\nrole_arn = arn:aws:iam::222222222222:role/R\nsource_profile = a\nduration_seconds = 1h\n", credentials: keys("a"), profile: "r", skip: /not a whole number/ },
  ];

  test.each(cases.map((c) => [c.name, c] as const))("%s", (_n, c) => {
    const p = plan(c.config ?? "", c.credentials ?? "");
    if (c.table) expect(created(p, c.profile).table).toEqual(c.table as Record<string, string | number>);
    if (c.skip) expect(skipped(p, c.profile)).toMatch(c.skip);
    loads(p);
  });

  test("the key and the file it came from travel with an iam-user session (credentials win)", () => {
    const p = plan(`[profile a]\naws_access_key_id = ${KEY2.id}\naws_secret_access_key = ${KEY2.secret}\n`, keys("a"));
    expect(created(p, "a").key).toEqual({ accessKeyId: KEY.id, secretAccessKey: KEY.secret, file: "credentials" });
  });

  test("a chain of any depth: each hop's source is the session of its source_profile", () => {
    const config = ini(
      "[profile prod]\nrole_arn = arn:aws:iam::333333333333:role/Deploy\nsource_profile = dev",
      "[profile dev]\nrole_arn = arn:aws:iam::222222222222:role/Dev\nsource_profile = alice",
    );
    const p = plan(config, keys("alice"));
    expect(created(p, "prod").table.source).toBe("dev");
    expect(created(p, "dev").table.source).toBe("alice");
    const cat = loads(p);
    expect([...cat.sessions.keys()].sort()).toEqual(["alice", "dev", "prod"]);
  });

  test("a loop of source_profile is skipped, every profile in it", () => {
    const p = plan(ini("[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = b", "[profile b]\nrole_arn = arn:aws:iam::222222222222:role/B\nsource_profile = a"));
    expect(skipped(p, "a")).toMatch(/loops back|not imported/);
    expect(skipped(p, "b")).toMatch(/loops back|not imported/);
    expect(p.changed).toBe(false);
  });

  test("a profile whose source is skipped is skipped too, saying why", () => {
    const p = plan(ini("[profile ci]\nrole_arn = arn:aws:iam::222222222222:role/CI\ncredential_source = Environment", "[profile deploy]\nrole_arn = arn:aws:iam::222222222222:role/D\nsource_profile = ci"));
    expect(skipped(p, "deploy")).toBe('its source_profile "ci" is not imported (credential_source = Environment has no sesame equivalent)');
  });

  test("duration_seconds above the chained-role cap is kept from an IAM user, lowered from a role, at or below refresh_margin dropped, each with a note", () => {
    const p = plan(ini("[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = u\nduration_seconds = 43200", "[profile b]\nrole_arn = arn:aws:iam::222222222222:role/B\nsource_profile = u\nduration_seconds = 900", "[profile c]\nrole_arn = arn:aws:iam::222222222222:role/C\nsource_profile = a\nduration_seconds = 7200"), keys("u"));
    expect(created(p, "a").table.duration_seconds).toBe(43200);
    expect(created(p, "a").notes).toEqual([]);
    expect(created(p, "c").table.duration_seconds).toBe(3600);
    expect(created(p, "c").notes[0]).toContain("lowered to 3600");
    expect(created(p, "b").table.duration_seconds).toBeUndefined();
    expect(created(p, "b").notes[0]).toContain("dropped");
  });

  test("sso-sessions of ~/.aws/config are imported, with their scopes, even when no profile uses them", () => {
    const p = plan("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n");
    expect(p.ssoSessions).toEqual([{ kind: "create", name: "corp", from: "[sso-session corp]", table: { sso_start_url: "https://corp.awsapps.com/start", sso_region: "eu-west-1", sso_registration_scopes: "sso:account:access" } }]);
    expect(loads(p).ssoSessions.get("corp")!.sso_registration_scopes).toEqual(["sso:account:access"]);
  });

  test("legacy sso profiles: an sso-session named after the first, shared by every profile with the same portal", () => {
    const legacy = (name: string, url: string, acct: string) => `[profile ${name}]\nsso_start_url = ${url}\nsso_region = us-east-1\nsso_account_id = ${acct}\nsso_role_name = ReadOnly`;
    const p = plan(ini(legacy("one", "https://a.awsapps.com/start", "111111111111"), legacy("two", "https://a.awsapps.com/start/", "222222222222"), legacy("three", "https://b.awsapps.com/start", "333333333333")));
    expect(created(p, "one").table.sso_session).toBe("one");
    expect(created(p, "two").table.sso_session).toBe("one");
    expect(created(p, "three").table.sso_session).toBe("three");
    expect(p.ssoSessions.map((s) => [s.name, s.from])).toEqual([["one", 'profile "one"'], ["three", 'profile "three"']]);
    loads(p);
  });

  test("a legacy profile reuses an sso-session of the config or catalog with the same portal; a taken name gets a suffix", () => {
    const config = ini(
      "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1",
      "[profile old]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 111111111111\nsso_role_name = R",
      "[profile x]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 111111111111\nsso_role_name = R",
    );
    const p = plan(config, "", '[sso-session.x]\nsso_start_url = "https://elsewhere.awsapps.com/start"\nsso_region = "eu-west-1"\n');
    expect(created(p, "old").table.sso_session).toBe("corp");
    expect(created(p, "x").table.sso_session).toBe("x-sso");
    loads(p);
  });

  test("names a bare TOML key cannot hold are quoted", () => {
    const p = plan("", keys("team.dev"));
    expect(p.text).toContain('[session."team.dev"]\n');
    expect(loads(p).sessions.has("team.dev")).toBe(true);
    expect(tomlKey("a-b_c")).toBe("a-b_c");
    expect(tomlString('a"b\\c\n\u0001')).toBe('"a\\"b\\\\c\\n\\u0001"');
  });
});

describe("the existing catalog", () => {
  const CATALOG = '# mine\n[defaults]\nregion = "eu-west-1"\n\n[session.alice]   # by hand\ntype = "iam-user"\n';

  test("is kept byte for byte; the import is appended after a blank line, with a note", () => {
    const p = planImport({ config: "", credentials: keys("bob"), catalogFile: FILE, catalogText: CATALOG, note: "imported by sesame import" });
    expect(p.text).toBe(CATALOG + '\n# imported by sesame import\n[session.bob]\ntype = "iam-user"\n');
    expect(p.appended).toBe(p.text.slice(CATALOG.length));
  });

  test("CRLF stays CRLF; a missing final newline is added first", () => {
    const crlf = CATALOG.replace(/\n/g, "\r\n");
    expect(plan("", keys("bob"), crlf).text).toBe(crlf + '\r\n[session.bob]\r\ntype = "iam-user"\r\n');
    const bare = CATALOG.slice(0, -1);
    expect(plan("", keys("bob"), bare).text).toBe(bare + '\n\n[session.bob]\ntype = "iam-user"\n');
  });

  test("a session of the same name standing for the same thing counts as imported before", () => {
    const p = plan(ini("[profile dev]\nrole_arn = arn:aws:iam::222222222222:role/Dev\nsource_profile = alice"), keys("alice"), CATALOG + '\n[session.dev]\ntype = "assume-role"\nsource = "alice"\nrole_arn = "arn:aws:iam::222222222222:role/Dev"\n');
    expect(outcome(p, "alice")).toMatchObject({ kind: "already", session: "alice", key: { accessKeyId: KEY.id } });
    expect(outcome(p, "dev")).toMatchObject({ kind: "already", session: "dev" });
    expect(p.changed).toBe(false);
  });

  test("a session of the same name standing for something else is never overwritten; its dependents are skipped", () => {
    const p = plan(ini("[profile dev]\nrole_arn = arn:aws:iam::222222222222:role/Dev\nsource_profile = alice"), keys("alice"), '[session.alice]\ntype = "sso"\nsso_session = "c"\nsso_account_id = "111111111111"\nsso_role_name = "R"\n[sso-session.c]\nsso_start_url = "https://c.awsapps.com/start"\nsso_region = "eu-west-1"\n');
    expect(skipped(p, "alice")).toContain('already has a session "alice" (type sso)');
    expect(skipped(p, "dev")).toMatch(/^its source_profile "alice" is not imported/);
    expect(p.changed).toBe(false);
  });

  test("an sso-session of the same name with another portal is skipped, and the profiles using it", () => {
    const config = ini("[sso-session corp]\nsso_start_url = https://new.awsapps.com/start\nsso_region = eu-west-1", "[profile a]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = R");
    const p = plan(config, "", '[sso-session.corp]\nsso_start_url = "https://old.awsapps.com/start"\nsso_region = "eu-west-1"\n');
    expect(p.ssoSessions[0]).toMatchObject({ kind: "skip", name: "corp" });
    expect(skipped(p, "a")).toContain("is not imported");
  });

  test("keys in the credentials file shadowing a managed profile are read as that iam-user's; for another type they are reported", () => {
    const config = "[profile alice]\nsesame_managed = true\ncredential_process = /bin/sesame credential-process alice\n\n[profile dev]\nsesame_managed = true\ncredential_process = /bin/sesame credential-process dev\n";
    const p = plan(config, ini(keys("alice"), keys("dev", KEY2)), CATALOG + '\n[session.dev]\ntype = "assume-role"\nsource = "alice"\nrole_arn = "arn:aws:iam::222222222222:role/Dev"\n');
    expect(outcome(p, "alice")).toMatchObject({ kind: "already", key: { accessKeyId: KEY.id, file: "credentials" } });
    expect(skipped(p, "dev")).toContain("shadow sesame's credential_process");
    expect(outcome(p, "dev")).toMatchObject({ fix: "remove the [dev] keys from the credentials file" });
  });

  test("a catalog sesame refuses is refused here too", () => {
    expect(() => plan("", keys("bob"), '[session.x]\ntype = "iam-usr"\n')).toThrow(CatalogError);
  });

  test("a session the validator would refuse is dropped with its words, and what depends on it", () => {
    const config = ini(
      "[profile bad]\nrole_arn = arn:aws:iam::12345:role/Bad\nsource_profile = alice",
      "[profile child]\nrole_arn = arn:aws:iam::222222222222:role/C\nsource_profile = bad",
      "[profile badregion]\nrole_arn = arn:aws:iam::222222222222:role/R\nsource_profile = alice\nregion = Europe",
      "[profile fine]\nrole_arn = arn:aws:iam::222222222222:role/F\nsource_profile = alice",
    );
    const p = plan(config, keys("alice"), CATALOG.replace("alice", "someone"));
    expect(skipped(p, "bad")).toBe('the catalog would refuse it: role_arn "arn:aws:iam::12345:role/Bad" is not an IAM role ARN (the account id must have 12 digits (it has 5))');
    expect(skipped(p, "child")).toMatch(/^its source_profile "bad" is not imported/);
    expect(skipped(p, "badregion")).toContain('region "Europe" is not an AWS region name');
    expect(created(p, "fine").table.source).toBe("alice");
    expect([...loads(p).sessions.keys()].sort()).toEqual(["alice", "fine", "someone"]);
  });
});

describe("stripCredentials", () => {
  const FILE_TEXT = ["# my keys", keys("alice"), "", keys("bob", KEY2, "region = us-west-2"), "", "[other]", "region = x", ""].join("\n");

  test("removes the moved keys: a section that held only them goes, one with other settings stays", () => {
    const r = stripCredentials(FILE_TEXT, new Map([["alice", KEY.id], ["bob", KEY2.id]]));
    expect(r.text).toBe("# my keys\n\n[bob]\nregion = us-west-2\n\n[other]\nregion = x\n");
    expect(r.stripped).toEqual(["alice", "bob"]);
    expect(r.sectionsRemoved).toEqual(["alice"]);
  });

  test("only where the file still holds that very key id", () => {
    const r = stripCredentials(FILE_TEXT, new Map([["alice", KEY2.id]]));
    expect(r.text).toBe(FILE_TEXT);
    expect(r.stripped).toEqual([]);
  });

  test("keeps CRLF endings and the bytes of every other line; continuation lines of a key go with it", () => {
    const text = "[a]\r\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\r\naws_secret_access_key = s\r\n  continued\r\noutput = json\r\n\r\n[b]\r\nx = 1";
    const r = stripCredentials(text, new Map([["a", KEY.id]]));
    expect(r.text).toBe("[a]\r\noutput = json\r\n\r\n[b]\r\nx = 1");
  });

  test("a removed section at the start takes the blank line after it; comments inside it go with it", () => {
    expect(stripCredentials(`${keys("a")}\n\n[b]\nx = 1\n`, new Map([["a", KEY.id]])).text).toBe("[b]\nx = 1\n");
    // a comment after the section's last key usually introduces the next section: it stays
    expect(stripCredentials(`${keys("a")}\n# about b\n[b]\nx = 1\n`, new Map([["a", KEY.id]])).text).toBe("# about b\n[b]\nx = 1\n");
    const inside = `[a]\n# note inside\naws_access_key_id = ${KEY.id}\naws_secret_access_key = s\n\n[b]\nx = 1\n`;
    expect(stripCredentials(inside, new Map([["a", KEY.id]])).text).toBe("[b]\nx = 1\n");
  });

  test("redactIniSecrets hides secrets and all but the last 4 of key ids, also in diff lines", () => {
    const text = `-aws_secret_access_key = ${KEY.secret}\n aws_access_key_id=${KEY.id}\n+aws_session_token = abc\nregion = x\n`;
    expect(redactIniSecrets(text)).toBe(`-aws_secret_access_key = ****\n aws_access_key_id=****MPLE\n+aws_session_token = ****\nregion = x\n`);
  });
});

describe("profile adoption (syncProfiles adopt)", () => {
  const cp = (n: string) => `/opt/sesame credential-process ${n}`;
  const CONFIG = "# top\n[default]\nregion = us-east-1\n\n[profile dev]\n; mine\nrole_arn = arn:aws:iam::222222222222:role/Dev\nsource_profile = alice\noutput = json\ns3 =\n  max_concurrent_requests = 20\nregion = eu-west-1\n\n[profile other]\nregion = x\n";

  test("without adopt, a hand-written profile is skipped", () => {
    const r = syncProfiles(CONFIG, [{ name: "dev", credentialProcess: cp("dev") }]);
    expect(r.skipped).toEqual(["dev"]);
    expect(r.text).toBe(CONFIG);
  });

  test("adopted: replaced in place by the managed block; credential settings go, the others stay", () => {
    const r = syncProfiles(CONFIG, [{ name: "dev", credentialProcess: cp("dev"), region: "eu-west-1" }], { adopt: new Set(["dev"]) });
    expect(r.adopted).toEqual(["dev"]);
    expect(r.skipped).toEqual([]);
    expect(r.text).toBe("# top\n[default]\nregion = us-east-1\n\n[profile dev]\nsesame_managed = true\ncredential_process = /opt/sesame credential-process dev\nregion = eu-west-1\n; mine\noutput = json\ns3 =\n  max_concurrent_requests = 20\n\n[profile other]\nregion = x\n");
    // the next sync sees a managed profile and changes nothing
    const again = syncProfiles(r.text, [{ name: "dev", credentialProcess: cp("dev"), region: "eu-west-1" }]);
    expect(again.text).toBe(r.text);
    expect(again.updated).toEqual([]);
  });

  test("[default] keeps its header; keys written in the config file go", () => {
    const text = `[default]\naws_access_key_id = ${KEY.id}\naws_secret_access_key = ${KEY.secret}\noutput = json\n`;
    const r = syncProfiles(text, [{ name: "default", credentialProcess: cp("default") }], { adopt: new Set(["default"]) });
    expect(r.text).toBe("[default]\nsesame_managed = true\ncredential_process = /opt/sesame credential-process default\noutput = json\n");
  });
});
