// sesame import, doctor and console through dist/sesame against the emulator: a realistic ~/.aws with keys
// moved to the keyring and the profiles taken over (the AWS CLI then works through credential_process),
// doctor on healthy and broken setups, and console sign-in URLs against the emulator's federation endpoint.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateTokenCommand, RegisterClientCommand, SSOOIDCClient, StartDeviceAuthorizationCommand } from "@aws-sdk/client-sso-oidc";
import { SIGNIN_PATH, signinService, type SigninService } from "../emulator/signin.ts";
import { BIN, runBinary, world, type Run, type World } from "./harness.ts";
import type { CreatedUser } from "../emulator/index.ts";

const AWS_CLI = "/usr/bin/aws";
const haveAws = existsSync(AWS_CLI) || !!process.env.CI;
const SCRIPT = "/usr/bin/script";
const DEPLOY_ROLE = "arn:aws:iam::222222222222:role/Deploy";
const START = "https://d-1234567890.awsapps.com/start";

const EXISTING_CATALOG = `# my sessions — this comment and everything above the import stay as they are
[defaults]
region = "eu-west-1"

[session.sandbox]   # hand-written
type = "iam-user"
mfa_serial = "arn:aws:iam::444444444444:mfa/me"
`;

function awsConfig(): string {
  return [
    "# my AWS CLI settings",
    "[default]",
    "region = eu-west-1",
    "output = json",
    "",
    "[sso-session corp]",
    `sso_start_url = ${START}`,
    "sso_region = eu-west-1",
    "sso_registration_scopes = sso:account:access",
    "",
    "[profile dev-admin]",
    "sso_session = corp",
    "sso_account_id = 111111111111",
    "sso_role_name = AdministratorAccess",
    "region = eu-west-1",
    "",
    "[profile old-sso]",
    "sso_start_url = https://legacy.awsapps.com/start",
    "sso_region = us-east-1",
    "sso_account_id = 333333333333",
    "sso_role_name = ReadOnly",
    "",
    "[profile bob]",
    "region = eu-west-1",
    "cli_pager =",
    "",
    "[profile deploy]",
    `role_arn = ${DEPLOY_ROLE}`,
    "source_profile = bob",
    "external_id = deploy-ext",
    "duration_seconds = 43200",
    "",
    "[profile ci]",
    "role_arn = arn:aws:iam::222222222222:role/CI",
    "credential_source = Ec2InstanceMetadata",
    "",
    "[profile tool]",
    "credential_process = /usr/local/bin/other-tool",
    "",
  ].join("\n");
}

function awsCredentials(bob: CreatedUser, carol: CreatedUser): string {
  return [
    "# keys",
    "[bob]",
    `aws_access_key_id = ${bob.accessKeyId}`,
    `aws_secret_access_key = ${bob.secretAccessKey}`,
    "",
    "[carol]",
    `aws_access_key_id=${carol.accessKeyId}`,
    `aws_secret_access_key=${carol.secretAccessKey}`,
    "region = us-west-2",
    "",
    "[temp]",
    "aws_access_key_id = ASIATEMPTEMPTEMPTEMP",
    "aws_secret_access_key = tempsecrettempsecrettempsecret",
    "aws_session_token = FwoGZXIvYXdzEXAMPLE",
    "",
  ].join("\n");
}

interface AwsWorld {
  w: World;
  bob: CreatedUser;
  carol: CreatedUser;
  config: string;
  credentials: string;
}

async function awsWorld(catalog = EXISTING_CATALOG): Promise<AwsWorld> {
  const w = await world(catalog);
  const bob = w.emu.addUser({ userName: "bob", account: "111111111111" });
  const carol = w.emu.addUser({ userName: "carol", account: "111111111111" });
  w.emu.addRole({ arn: DEPLOY_ROLE, trust: [bob.arn], requiredExternalId: "deploy-ext", maxSessionDuration: 43200 });
  mkdirSync(join(w.home, ".aws"), { recursive: true });
  const config = join(w.home, ".aws", "config");
  const credentials = join(w.home, ".aws", "credentials");
  writeFileSync(config, awsConfig());
  writeFileSync(credentials, awsCredentials(bob, carol), { mode: 0o600 });
  return { w, bob, carol, config, credentials };
}

const read = (f: string) => readFileSync(f, "utf8");
const mode = (f: string) => statSync(f).mode & 0o777;

function noSecrets(r: Run, ...secrets: string[]) {
  for (const s of secrets) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
}

function aws(a: AwsWorld, args: string[]): Promise<Run> {
  return runBinary([AWS_CLI, ...args, "--endpoint-url", a.w.emu.url, "--output", "json"], a.w.env);
}

describe("import", () => {
  let a: AwsWorld;
  let catalogBefore: string;
  beforeAll(async () => {
    a = await awsWorld();
    catalogBefore = read(a.w.catalog);
  });
  afterAll(() => a.w.stop());

  test("--dry-run shows the catalog diff and the plan, and writes nothing", async () => {
    const before = [read(a.config), read(a.credentials)];
    const r = await a.w.run(["import", "--dry-run"]);
    expect(r.code).toBe(0);
    noSecrets(r, a.bob.secretAccessKey, a.carol.secretAccessKey, a.bob.accessKeyId);
    expect(r.stdout).toContain(`+++ ${a.w.catalog} (after sesame import)`);
    expect(r.stdout).toContain("+[session.deploy]");
    expect(r.stdout).toContain(`+++ ${a.config} (after sesame profiles sync)`);
    expect(r.stderr).toContain(`would store the key ****${a.bob.accessKeyId.slice(-4)} of "bob" in the keyring`);
    expect(r.stderr).toContain(`would remove the keys of "bob", "carol" from ${a.credentials} (whole section: "bob")`);
    expect(r.stderr).toContain("dry run, nothing written");
    expect(read(a.w.catalog)).toBe(catalogBefore);
    expect([read(a.config), read(a.credentials)]).toEqual(before);
    expect(existsSync(`${a.credentials}.sesame-backup`)).toBe(false);
    // nothing in the keyring either: the keys are not there yet
    a.w.writeCatalog(catalogBefore + '\n[session.probe]\ntype = "iam-user"\n');
    expect((await a.w.run(["credential-process", "probe"])).code).toBe(4);
    a.w.writeCatalog(catalogBefore);
  });

  test("without a terminal: sessions appended, keys in the keyring, ~/.aws left as it was with the command to finish", async () => {
    const before = [read(a.config), read(a.credentials)];
    const r = await a.w.run(["import"]);
    expect(r.code).toBe(0);
    noSecrets(r, a.bob.secretAccessKey, a.carol.secretAccessKey);
    const cat = read(a.w.catalog);
    expect(cat.startsWith(catalogBefore)).toBe(true);
    const added = cat.slice(catalogBefore.length);
    expect(added).toContain('[sso-session.corp]\nsso_start_url = "https://d-1234567890.awsapps.com/start"\nsso_region = "eu-west-1"\nsso_registration_scopes = "sso:account:access"\n');
    expect(added).toContain('[session.dev-admin]\ntype = "sso"\nsso_session = "corp"\nsso_account_id = "111111111111"\nsso_role_name = "AdministratorAccess"\nregion = "eu-west-1"\n');
    // a legacy SSO profile gets an sso-session named after it
    expect(added).toContain('[sso-session.old-sso]\nsso_start_url = "https://legacy.awsapps.com/start"\nsso_region = "us-east-1"\n');
    expect(added).toContain('[session.old-sso]\ntype = "sso"\nsso_session = "old-sso"\n');
    expect(added).toContain(`[session.deploy]\ntype = "assume-role"\nsource = "bob"\nrole_arn = "${DEPLOY_ROLE}"\nexternal_id = "deploy-ext"\nduration_seconds = 43200\n`);
    expect(added).toContain('[session.bob]\ntype = "iam-user"\nregion = "eu-west-1"\n');
    expect(added).toContain('[session.carol]\ntype = "iam-user"\nregion = "us-west-2"\n');
    for (const left of ["ci", "tool", "temp", "default"]) expect(added).not.toContain(`[session.${left}]`);
    expect(r.stderr).toContain('skipped profile "ci": credential_source = Ec2InstanceMetadata has no sesame equivalent');
    expect(r.stderr).toContain('skipped profile "tool": uses its own credential_process');
    expect(r.stderr).toContain('skipped profile "temp": holds temporary keys');
    // from an IAM user's key a role may last 12 hours (issue 14 part 4): kept, not lowered
    expect(r.stderr).not.toContain("lowered to 3600");
    expect(r.stderr).toContain("(no terminal to confirm on)");
    expect(r.stderr).toContain("run: sesame import --yes");
    expect([read(a.config), read(a.credentials)]).toEqual(before);
    // the keys really are in the keyring: the chain works through sesame alone
    a.w.emu.resetCalls();
    const cp = await a.w.run(["credential-process", "deploy"]);
    expect(cp.stderr).toBe("");
    expect(cp.code).toBe(0);
    // assumed directly with bob's key for 12 hours
    expect(a.w.emu.callsFor("GetSessionToken")).toHaveLength(0);
    expect(a.w.emu.callsFor("AssumeRole")[0]!.accessKeyId).toBe(a.bob.accessKeyId);
    expect(a.w.emu.callsFor("AssumeRole")[0]!.params.ExternalId).toBe("deploy-ext");
    expect(a.w.emu.callsFor("AssumeRole")[0]!.params.DurationSeconds).toBe("43200");
  });

  test.skipIf(!existsSync(SCRIPT))("declined on the terminal: ~/.aws stays as it was", async () => {
    const before = [read(a.config), read(a.credentials)];
    const r = await runBinary([SCRIPT, "-qec", `${BIN} import`, "/dev/null"], a.w.env, "n\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[y/N]");
    expect(r.stdout).toContain("~/.aws was left as it was");
    expect([read(a.config), read(a.credentials)]).toEqual(before);
  });

  test("--yes: keys leave ~/.aws/credentials (backup 0600), the profiles now run sesame, the rest stays", async () => {
    const credsBefore = read(a.credentials);
    const configBefore = read(a.config);
    const catalog = read(a.w.catalog);
    const r = await a.w.run(["import", "--yes"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('profile "bob": the catalog already has session "bob"');
    expect(r.stderr).toContain(`nothing new for ${a.w.catalog}`);
    expect(read(a.w.catalog)).toBe(catalog);

    // credentials: no long-lived key left; [carol] keeps its region; the unrelated [temp] is untouched
    const creds = read(a.credentials);
    expect(creds).not.toMatch(/AKIA/);
    expect(creds).toBe("# keys\n\n[carol]\nregion = us-west-2\n\n[temp]\naws_access_key_id = ASIATEMPTEMPTEMPTEMP\naws_secret_access_key = tempsecrettempsecrettempsecret\naws_session_token = FwoGZXIvYXdzEXAMPLE\n");
    expect(read(`${a.credentials}.sesame-backup`)).toBe(credsBefore);
    expect(mode(`${a.credentials}.sesame-backup`)).toBe(0o600);
    expect(mode(a.credentials)).toBe(0o600);

    // config: the imported profiles are sesame's now (their other settings kept); ci and tool untouched
    const config = read(a.config);
    expect(config).toContain(`[profile bob]\nsesame_managed = true\nsesame_catalog = ${a.w.catalog}\ncredential_process = ${BIN} credential-process bob\nregion = eu-west-1\ncli_pager =\n`);
    expect(config).toContain(`[profile deploy]\nsesame_managed = true\nsesame_catalog = ${a.w.catalog}\ncredential_process = ${BIN} credential-process deploy\nregion = eu-west-1\n\n`);
    expect(config).not.toContain("source_profile");
    expect(config).toContain(`[profile carol]\nsesame_managed = true\nsesame_catalog = ${a.w.catalog}\ncredential_process = ${BIN} credential-process carol\nregion = us-west-2\n`);
    expect(config).toContain("[profile ci]\nrole_arn = arn:aws:iam::222222222222:role/CI\ncredential_source = Ec2InstanceMetadata\n");
    expect(config).toContain("[profile tool]\ncredential_process = /usr/local/bin/other-tool\n");
    expect(config).toContain("[sso-session corp]\n"); // the AWS CLI's own sso-session stays
    expect(config.startsWith("# my AWS CLI settings\n[default]\nregion = eu-west-1\noutput = json\n")).toBe(true);
    expect(read(`${a.config}.sesame-backup`)).toBe(configBefore);
    expect(r.stderr).toContain(`the old file is in ${a.credentials}.sesame-backup (it still holds the keys: delete it once aws commands work)`);
  });

  test.skipIf(!haveAws)("aws commands work through credential_process afterwards", async () => {
    const me = await aws(a, ["sts", "get-caller-identity", "--profile", "deploy"]);
    expect(me.stderr).toBe("");
    expect(me.code).toBe(0);
    expect(JSON.parse(me.stdout).Arn).toBe("arn:aws:sts::222222222222:assumed-role/Deploy/sesame-tester");
    const carol = await aws(a, ["sts", "get-caller-identity", "--profile", "carol"]);
    expect(carol.code).toBe(0);
    expect(JSON.parse(carol.stdout).Arn).toBe(a.carol.arn);
  });

  test("a second import changes nothing", async () => {
    const files = [a.w.catalog, a.config, a.credentials].map(read);
    const r = await a.w.run(["import", "--yes"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('skipped profile "bob": already points at sesame');
    expect([a.w.catalog, a.config, a.credentials].map(read)).toEqual(files);
  });

  test("a session name the catalog uses for something else is reported and never overwritten", async () => {
    const b = await awsWorld(`[session.bob]\ntype = "sso"\nsso_session = "x"\nsso_account_id = "111111111111"\nsso_role_name = "R"\n\n[sso-session.x]\nsso_start_url = "https://x.awsapps.com/start"\nsso_region = "eu-west-1"\n`);
    try {
      const before = read(b.w.catalog);
      const r = await b.w.run(["import", "--yes"]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('skipped profile "bob": the catalog already has a session "bob" (type sso) that stands for something else');
      expect(r.stderr).toContain('skipped profile "deploy": its source_profile "bob" is not imported');
      const cat = read(b.w.catalog);
      expect(cat.startsWith(before)).toBe(true);
      expect(cat.slice(before.length)).not.toContain("[session.bob]");
      // bob's key stays where it was, since it was not moved
      expect(read(b.credentials)).toContain(b.bob.accessKeyId);
      expect(read(b.credentials)).not.toContain(b.carol.accessKeyId);
    } finally {
      await b.w.stop();
    }
  });

  test("a broken catalog is refused before anything is done (status 3)", async () => {
    const b = await awsWorld('[session.x]\ntype = "iam-usr"\n');
    try {
      const r = await b.w.run(["import", "--yes"]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/sessions\.toml:2:8: unknown session type "iam-usr"/);
      expect(read(b.credentials)).toContain(b.bob.accessKeyId);
    } finally {
      await b.w.stop();
    }
  });

  test.skipIf(!existsSync(SCRIPT))("confirmed on the terminal, in a HOME with no catalog yet", async () => {
    const b = await awsWorld("");
    try {
      const { unlinkSync } = await import("node:fs");
      unlinkSync(b.w.catalog);
      const r = await runBinary([SCRIPT, "-qec", `${BIN} import`, "/dev/null"], b.w.env, "y\n");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("[y/N]");
      expect(read(b.w.catalog)).toStartWith("# imported from ");
      expect(mode(b.w.catalog)).toBe(0o600);
      expect(read(b.credentials)).not.toMatch(/AKIA/);
      expect(read(b.config)).toContain("[profile deploy]\nsesame_managed = true\n");
    } finally {
      await b.w.stop();
    }
  });
});

describe("doctor", () => {
  let a: AwsWorld;
  beforeAll(async () => {
    a = await awsWorld();
    const r = await a.w.run(["import", "--yes"]);
    if (r.code !== 0) throw new Error(r.stderr);
  });
  afterAll(() => a.w.stop());

  const findings = (r: Run) => (JSON.parse(r.stdout) as { findings: { check: string; status: string; message: string; fix?: string }[] }).findings;

  test("a healthy setup: every check ok, status 0", async () => {
    const r = await a.w.run(["doctor"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const check of ["catalog", "keyring", "profiles", "credentials-file", "clock", "cache"]) expect(r.stdout).toMatch(new RegExp(`^ok +${check} `, "m"));
    expect(r.stdout).toContain("a test entry was stored, read back and deleted");
    // the two sso-sessions were imported, but nobody signed in
    expect(r.stdout).toMatch(/^WARN +sso +"corp": not signed in/m);
    expect(r.stdout).toContain("fix: run: sesame login corp");
    const j = JSON.parse((await a.w.run(["doctor", "--json"])).stdout);
    expect(j.exit).toBe(0);
    expect(j.status).toBe("warn");
  });

  test("keys shadowing a managed profile, a stale managed profile, stray cache files: warnings with their fixes", async () => {
    const creds = read(a.credentials);
    const config = read(a.config);
    try {
      writeFileSync(a.credentials, `${creds}\n[deploy]\naws_access_key_id = ${a.bob.accessKeyId}\naws_secret_access_key = ${a.bob.secretAccessKey}\n`);
      writeFileSync(a.config, config.replace(`credential_process = ${BIN} credential-process carol`, "credential_process = /old/place/sesame credential-process carol"));
      mkdirSync(a.w.cacheDir, { recursive: true });
      writeFileSync(join(a.w.cacheDir, "notes.txt"), "x");
      chmodSync(a.w.cacheDir, 0o755);
      const r = await a.w.run(["doctor", "--json"]);
      expect(r.code).toBe(0);
      noSecrets(r, a.bob.secretAccessKey, a.bob.accessKeyId);
      const f = findings(r);
      const shadow = f.find((x) => x.check === "credentials-file")!;
      expect(shadow.status).toBe("warn");
      expect(shadow.message).toContain(`holds keys for "deploy", which sesame manages`);
      expect(shadow.fix).toContain("sesame import");
      const stale = f.find((x) => x.check === "profiles")!;
      expect(stale.status).toBe("warn");
      expect(stale.message).toContain('outdated profile "carol"');
      expect(stale.fix).toBe("run: sesame profiles sync");
      const cache = f.find((x) => x.check === "cache")!;
      expect(cache.status).toBe("warn");
      expect(cache.message).toContain("mode 755");
      expect(cache.message).toContain(join(a.w.cacheDir, "notes.txt"));
      expect(cache.fix).toContain(`chmod 700 ${a.w.cacheDir}`);
    } finally {
      writeFileSync(a.credentials, creds);
      writeFileSync(a.config, config);
      chmodSync(a.w.cacheDir, 0o700);
      const { unlinkSync } = await import("node:fs");
      unlinkSync(join(a.w.cacheDir, "notes.txt"));
    }
  });

  test("keys that shadow a managed iam-user profile: doctor says run sesame import, and import removes them", async () => {
    const creds = read(a.credentials);
    writeFileSync(a.credentials, `${creds}\n[carol]\naws_access_key_id = ${a.carol.accessKeyId}\naws_secret_access_key = ${a.carol.secretAccessKey}\n`);
    const before = await a.w.run(["doctor", "--json"]);
    expect(findings(before).find((x) => x.check === "credentials-file")!.message).toContain('holds keys for "carol", which sesame manages');
    const r = await a.w.run(["import", "--yes"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`removed the keys of "carol" from ${a.credentials}`);
    expect(read(a.credentials)).toBe(creds);
    const after = await a.w.run(["doctor", "--json"]);
    expect(findings(after).find((x) => x.check === "credentials-file")!.status).toBe("ok");
  });

  test("a clock 2 hours off STS fails, status 1", async () => {
    a.w.emu.advanceClock(7200);
    try {
      const r = await a.w.run(["doctor"]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^FAIL +clock +this machine's clock is 120 min behind STS \(127\.0\.0\.1:\d+\)/m);
      expect(r.stdout).toContain("fix: sync the clock (e.g. timedatectl set-ntp true)");
    } finally {
      a.w.emu.advanceClock(-7200);
    }
  });

  test("an unreachable STS is a warning", async () => {
    const r = await a.w.run(["doctor", "--json"], { env: { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9" } });
    const clock = findings(r).find((x) => x.check === "clock")!;
    expect(clock.status).toBe("warn");
    expect(clock.message).toContain("cannot reach STS at 127.0.0.1:9");
  });

  test("a catalog sesame refuses: its line and fix, status 3", async () => {
    const good = read(a.w.catalog);
    try {
      const bad = good + '\n[session.typo]\ntype = "iam-user"\nmfa_serail = "x"\n';
      a.w.writeCatalog(bad);
      const r = await a.w.run(["doctor"]);
      expect(r.code).toBe(3);
      const line = bad.split("\n").indexOf('mfa_serail = "x"') + 1;
      expect(r.stdout).toContain(`FAIL  catalog           ${a.w.catalog}:${line}:1: unknown key "mfa_serail"`);
      expect(r.stdout).toContain('fix: did you mean "mfa_serial"?');
      // the other checks still ran
      expect(r.stdout).toMatch(/^ok +keyring /m);
    } finally {
      a.w.writeCatalog(good);
    }
  });

  test("a keyring that cannot be used fails, status 6", async () => {
    const kr = join(a.w.home, "kr.enc");
    const made = await a.w.run(["secret", "set", "bob"], { stdin: `${a.bob.accessKeyId}\n${a.bob.secretAccessKey}\n`, env: { SESAME_KEYRING: "file", SESAME_FILE_KEYRING: kr, SESAME_FILE_PASSPHRASE: "pw" } });
    expect(made.code).toBe(0);
    const r = await a.w.run(["doctor", "--json"], { env: { SESAME_KEYRING: "file", SESAME_FILE_KEYRING: kr } });
    expect(r.code).toBe(6);
    const k = findings(r).find((x) => x.check === "keyring")!;
    expect(k.status).toBe("fail");
    expect(k.fix).toContain("SESAME_FILE_PASSPHRASE");
  });
});

describe("console", () => {
  let a: AwsWorld;
  let signin: SigninService;
  beforeAll(async () => {
    a = await awsWorld();
    const r = await a.w.run(["import", "--yes"]);
    if (r.code !== 0) throw new Error(r.stderr);
    signin = signinService();
    a.w.emu.registerRoute("GET", SIGNIN_PATH, signin.handler);
    a.w.env.SESAME_SIGNIN_URL = `${a.w.emu.url}${SIGNIN_PATH}`;
    a.w.env.AWS_ENDPOINT_URL_SSO = a.w.emu.url;
    a.w.env.AWS_ENDPOINT_URL_SSO_OIDC = a.w.emu.url;
  });
  afterAll(() => a.w.stop());

  /** Follows the login URL as a browser would: the emulator answers 302 to the destination. */
  async function signIn(url: string): Promise<{ location: string | null; status: number }> {
    const res = await fetch(url, { redirect: "manual" });
    return { status: res.status, location: res.headers.get("location") };
  }

  test("iam-user --print: GetFederationToken with the user's own permissions, then a login URL", async () => {
    a.w.emu.resetCalls();
    const r = await a.w.run(["console", "bob", "--print"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const url = r.stdout.trim();
    expect(r.stdout).toBe(url + "\n");
    const dest = "https://console.aws.amazon.com/console/home?region=eu-west-1";
    expect(url).toStartWith(`${a.w.env.SESAME_SIGNIN_URL}?Action=login&Destination=${encodeURIComponent(dest)}&SigninToken=`);
    const gft = a.w.emu.callsFor("GetFederationToken");
    expect(gft).toHaveLength(1);
    expect(gft[0]!.accessKeyId).toBe(a.bob.accessKeyId); // the long-lived key, not a session
    expect(gft[0]!.params.Name).toBe("bob");
    expect(gft[0]!.params.DurationSeconds).toBe("3600");
    expect(JSON.parse(gft[0]!.params.Policy!)).toEqual({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
    const tok = a.w.emu.callsFor("getSigninToken", "signin");
    expect(tok).toHaveLength(1);
    expect(tok[0]!.params.SessionDuration).toBeUndefined(); // never with GetFederationToken credentials
    const login = await signIn(url);
    expect(login).toEqual({ status: 302, location: dest });
    expect(signin.logins.at(-1)!.identity.arn).toBe("arn:aws:sts::111111111111:federated-user/bob");
  });

  test("iam-user with --policy-arn, --duration and --destination", async () => {
    a.w.emu.resetCalls();
    const dest = "https://console.aws.amazon.com/s3/home";
    const r = await a.w.run(["console", "carol", "--print", "--duration", "7200", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess", "--destination", dest]);
    expect(r.code).toBe(0);
    const gft = a.w.emu.callsFor("GetFederationToken")[0]!;
    expect(gft.params["PolicyArns.member.1.arn"]).toBe("arn:aws:iam::aws:policy/ReadOnlyAccess");
    expect(gft.params.Policy).toBeUndefined();
    expect(gft.params.DurationSeconds).toBe("7200");
    expect((await signIn(r.stdout.trim())).location).toBe(dest);
  });

  test("assume-role: the chained role's own credentials, no SessionDuration; --duration over 1 hour is refused (status 2)", async () => {
    a.w.emu.resetCalls();
    const r = await a.w.run(["console", "deploy", "--print"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(a.w.emu.callsFor("GetFederationToken")).toHaveLength(0);
    expect(a.w.emu.callsFor("getSigninToken", "signin")[0]!.params.SessionDuration).toBeUndefined();
    expect((await signIn(r.stdout.trim())).status).toBe(302);
    expect(signin.logins.at(-1)!.identity.arn).toBe("arn:aws:sts::222222222222:assumed-role/Deploy/sesame-tester");

    const d = await a.w.run(["console", "deploy", "--print", "--duration", "7200"]);
    expect(d.code).toBe(2);
    expect(d.stdout).toBe("");
    expect(d.stderr).toContain("whose console session federation caps at 1 hour");
  });

  test("sso: SessionDuration is sent for IAM Identity Center role credentials", async () => {
    a.w.emu.addSsoAccount({ accountId: "111111111111", accountName: "dev", roles: ["AdministratorAccess"] });
    // a sign-in left by `aws sso login`, which sesame uses
    const oidc = new SSOOIDCClient({ region: "eu-west-1", endpoint: a.w.emu.url });
    const reg = await oidc.send(new RegisterClientCommand({ clientName: "botocore-client-corp", clientType: "public" }));
    const dev = await oidc.send(new StartDeviceAuthorizationCommand({ clientId: reg.clientId!, clientSecret: reg.clientSecret!, startUrl: START }));
    a.w.emu.approveDevice(dev.userCode!);
    const tok = await oidc.send(new CreateTokenCommand({ clientId: reg.clientId!, clientSecret: reg.clientSecret!, grantType: "urn:ietf:params:oauth:grant-type:device_code", deviceCode: dev.deviceCode! }));
    const dir = join(a.w.home, ".aws", "sso", "cache");
    mkdirSync(dir, { recursive: true });
    const expiresAt = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
    writeFileSync(join(dir, createHash("sha1").update("corp").digest("hex") + ".json"), JSON.stringify({ startUrl: START, region: "eu-west-1", accessToken: tok.accessToken, expiresAt }));
    a.w.emu.resetCalls();
    const r = await a.w.run(["console", "dev-admin", "--print", "--duration", "1800"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(a.w.emu.callsFor("getSigninToken", "signin")[0]!.params.SessionDuration).toBe("1800");
    expect((await signIn(r.stdout.trim())).status).toBe(302);
    expect(signin.logins.at(-1)!.identity.arn).toMatch(/^arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]+\//);
    expect(signin.logins.at(-1)!.sessionSeconds).toBe(1800);
    // doctor now sees the AWS CLI's sign-in
    expect((await a.w.run(["doctor"])).stdout).toMatch(/^ok +sso +"corp": signed in through the AWS CLI until/m);
  });

  // A fake browser: records its argv, opens what it was given like a browser would — a file: page is read and
  // the link it redirects to is fetched (without following the redirect) — and records where it was sent.
  // With `gate`, it waits for that file to exist before opening anything. Files are written whole then renamed.
  function fakeBrowser(name: string, gate?: string): { path: string; argv: string; location: string } {
    const argv = join(a.w.home, `${name}.argv`);
    const location = join(a.w.home, `${name}.location`);
    const fetcher = join(a.w.home, `${name}.ts`);
    writeFileSync(fetcher, `const fs = require("node:fs");
const gate = ${JSON.stringify(gate ?? "")};
while (gate && !fs.existsSync(gate)) await Bun.sleep(10);
let u = process.argv[2]!;
if (u.startsWith("file:")) u = /url=(http:[^"]+)"/.exec(fs.readFileSync(new URL(u), "utf8"))![1]!;
const r = await fetch(u, { redirect: "manual" });
await Bun.write(${JSON.stringify(location + ".tmp")}, r.status + " " + (r.headers.get("location") ?? "") + " " + u);
fs.renameSync(${JSON.stringify(location + ".tmp")}, ${JSON.stringify(location)});
`);
    const path = join(a.w.home, `${name}.sh`);
    writeFileSync(path, `#!/bin/sh\nenv > "${argv}.env"\nprintf '%s' "$*" > "${argv}.tmp" && mv "${argv}.tmp" "${argv}"\nexec "${process.execPath}" "${fetcher}" "$1"\n`, { mode: 0o755 });
    return { path, argv, location };
  }

  async function waitFor(file: string): Promise<string> {
    for (let i = 0; i < 250 && !existsSync(file); i++) await Bun.sleep(20);
    return read(file);
  }

  test("without --print the URL goes to the browser through a private page and a one-time loopback link: never in argv, never on stdout", async () => {
    const b = fakeBrowser("browser");
    // the file keyring's passphrase (the world's own when it uses that keyring) never reaches the browser
    const r = await a.w.run(["console", "bob"], { env: { BROWSER: b.path, SESAME_FILE_PASSPHRASE: a.w.env.SESAME_FILE_PASSPHRASE ?? "hunter2" } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('opened the AWS console as "bob" in the browser');
    const argv = await waitFor(b.argv);
    // the browser's command line holds a private file's address: no token, no loopback link
    expect(read(`${b.argv}.env`)).toContain("BROWSER=");
    expect(read(`${b.argv}.env`)).not.toContain("SESAME_FILE_PASSPHRASE");
    expect(argv).toMatch(/^file:\/\/\/.*\/sesame-console-[^/]+\/sign-in\.html$/);
    const [status, url, link] = (await waitFor(b.location)).split(" ") as [string, string, string];
    expect(status).toBe("302");
    expect(url).toStartWith(`${a.w.env.SESAME_SIGNIN_URL}?Action=login&`);
    expect(argv).not.toContain(new URL(link).pathname.slice(1));
    const token = new URL(url).searchParams.get("SigninToken")!;
    expect(token.length).toBeGreaterThan(20);
    expect(r.stderr).not.toContain(token);
    expect((await signIn(url)).status).toBe(302);
    // the link worked once; sesame has exited, nothing answers there any more, and the page is gone
    expect(await fetch(link, { redirect: "manual" }).then((res) => res.status, () => "refused")).toBe("refused");
    expect(existsSync(new URL(argv))).toBe(false);
  });

  // Issue 9 item 1: another local user watching /proc/*/cmdline must not get the sign-in.
  // Reads every /proc/*/cmdline it can; of the command lines that contain argv[1] (this test's folder, so
  // that it leaves other tests' processes alone) it takes every http(s)/file address and tries to fetch or
  // read it, printing one line per attempt.
  const POLLER = `import os, re, sys, urllib.request
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a): return None
opener = urllib.request.build_opener(NoRedirect)
mark = sys.argv[1]
seen = set()
print(f"uid {os.getuid()}", flush=True)
while True:
    for pid in os.listdir("/proc"):
        if not pid.isdigit(): continue
        try: cmd = open(f"/proc/{pid}/cmdline", "rb").read().decode("utf8", "replace")
        except OSError: continue
        if mark not in cmd or "import os, re" in cmd: continue
        for u in re.findall(r"(?:https?|file)://[^\\s\\x00]+", cmd):
            if u in seen: continue
            seen.add(u)
            print("saw", u, flush=True)
            try:
                if u.startswith("file://"):
                    print("read", u, open(u[7:]).read(), flush=True)
                else:
                    try: r = opener.open(u, timeout=2); print("got", u, r.status, r.headers.get("location"), flush=True)
                    except urllib.error.HTTPError as e: print("got", u, e.code, e.headers.get("location"), flush=True)
            except Exception as e:
                print("failed", u, type(e).__name__, flush=True)
`;

  test("another local user polling /proc/*/cmdline cannot take the sign-in; the user's own browser completes it", async () => {
    const { spawnSync, spawn } = await import("node:child_process");
    const { secondLocalUser } = await import("./harness.ts");
    const user = await secondLocalUser();
    if (!user) return;
    // the script goes in argv: no file the other user would need a path to (a test elsewhere may leave /tmp 0700)
    const poller = spawn("runuser", ["-u", user, "--", "/usr/bin/python3", "-c", POLLER, a.w.home], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    let seen = "";
    poller.stdout.on("data", (d) => (seen += d));
    poller.stderr.on("data", (d) => (seen += d));
    try {
      for (let i = 0; i < 500 && !/^uid \d+$/m.test(seen); i++) await Bun.sleep(10);
      if (!/^uid [1-9]\d*$/m.test(seen)) throw new Error(`the poller did not start: ${seen}`);
      // the browser waits until the poller has seen its command line, so the poller always gets the first go
      const gate = join(a.w.home, "poller-saw-it");
      const b = fakeBrowser("watched-browser", gate);
      const running = a.w.run(["console", "bob"], { env: { BROWSER: b.path } });
      const argv = await waitFor(b.argv);
      for (let i = 0; i < 500 && !seen.includes(`saw ${argv}`); i++) await Bun.sleep(10);
      expect(seen).toContain(`saw ${argv}`);
      const tried = (line: string) => line.startsWith(`read ${argv}`) || line.startsWith(`failed ${argv}`) || line.startsWith(`got ${argv}`);
      for (let i = 0; i < 500 && !seen.split("\n").some(tried); i++) await Bun.sleep(10);
      writeFileSync(gate, "");
      const r = await running;
      // what the other user got: the page's name, and "permission denied" when reading it
      expect(seen).toContain(`failed ${argv} PermissionError`);
      expect(seen).not.toContain("SigninToken");
      expect(seen).not.toMatch(/^got 302/m);
      expect(seen).not.toMatch(/^read /m);
      expect(r.stderr).toContain('opened the AWS console as "bob" in the browser');
      expect(r.code).toBe(0);
      const [status, url] = (await waitFor(b.location)).split(" ") as [string, string];
      expect(status).toBe("302");
      expect((await signIn(url)).status).toBe(302);
    } finally {
      try {
        process.kill(-poller.pid!, "SIGKILL"); // its own process group: runuser and the poller
      } catch {
        /* it ended by itself (what it printed is in the failure above) */
      }
      await new Promise((r) => (poller.exitCode !== null || poller.signalCode !== null ? r(null) : poller.once("exit", r)));
    }
  });

  test("a browser that cannot be started: status 2 and the --print way out; no browser at all: the same", async () => {
    const bad = await a.w.run(["console", "bob"], { env: { BROWSER: "/bin/false" } });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr.trim()).toBe("sesame: the browser could not be started (/bin/false exited with status 1) — run: sesame console bob --print, and open the URL it prints in a browser (within 15 minutes)");

    const none = await a.w.run(["console", "bob"], { env: { BROWSER: undefined, DISPLAY: undefined, WAYLAND_DISPLAY: undefined } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("run: sesame console bob --print");
  });

  test("--verbose tells what happens and never shows the sign-in token or a key", async () => {
    const r = await a.w.run(["console", "bob", "--print", "--verbose"]);
    expect(r.code).toBe(0);
    const token = new URL(r.stdout.trim()).searchParams.get("SigninToken")!;
    expect(r.stderr).toContain("console.federation-token");
    expect(r.stderr).not.toContain(token);
    expect(r.stderr).not.toContain(token.slice(0, 16));
    noSecrets({ code: 0, stdout: "", stderr: r.stderr }, a.bob.secretAccessKey, a.bob.accessKeyId, "sessionKey");
    const imp = await a.w.run(["import", "--dry-run", "--verbose"]);
    noSecrets(imp, a.bob.secretAccessKey, a.carol.secretAccessKey);
  });

  test("a sign-in endpoint that refuses: status 5, one line, no secret in it", async () => {
    const r = await a.w.run(["console", "deploy", "--print"], { env: { SESAME_SIGNIN_URL: `${a.w.emu.url}/nowhere` } });
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^sesame: the AWS sign-in endpoint 127\.0\.0\.1:\d+ refused the credentials \(HTTP 404/);
    expect(r.stderr).not.toContain("sessionKey");
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
  });
});
