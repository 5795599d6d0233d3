// Real AWS clients (AWS CLI v2, botocore, aws-sdk-js-v3, Deno running the source) get the 3-hop chain
// alice → dev → prod through the credential_process lines `sesame profiles sync` wrote, and profiles
// sync itself, through the binary, on a hand-written ~/.aws/config.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { commandLine } from "../../src/awsconfig/managed.ts";
import { BIN, CHAIN_CATALOG, PROD_ROLE, DEV_ROLE, parseProcessOutput, storeAliceKey, world, type World } from "./harness.ts";
import { applyUnifiedDiff, AWS_CLI, hasAwsCli, hasBotocore, runTool, SYSTEM_PYTHON, toolEnv, withTool } from "./clients-tools.ts";

const ROOT = resolve(import.meta.dir, "../..");
const MAIN = join(ROOT, "src", "main.ts");
const DENO = join(ROOT, "node_modules", ".bin", "deno");
const deno = [DENO, "run", "--quiet", "-A", "--no-lock", MAIN];
const PROD_ARN = "arn:aws:sts::333333333333:assumed-role/Deploy/sesame-tester";
const BOTOCORE_SCRIPT = `
import json, os, botocore.session
s = botocore.session.Session(profile="prod")
who = s.create_client("sts", endpoint_url=os.environ["EMULATOR_URL"], region_name="eu-west-1").get_caller_identity()
creds = s.get_credentials()
print(json.dumps({"arn": who["Arn"], "account": who["Account"], "method": creds.method,
    "accessKeyId": creds.get_frozen_credentials().access_key, "region": s.get_config_variable("region")}))
`;
/** How the binary writes itself into credential_process (quoted if its path needs it). */
const SELF = commandLine([BIN]);

describe("real AWS clients through the credential_process lines profiles sync writes", () => {
  let w: World;
  let aws: (args: string[], extraEnv?: Record<string, string>) => ReturnType<typeof runTool>;
  /** The prod credentials sesame has cached (a cache hit: no STS call). */
  const cachedProd = async () => {
    const r = await w.run(["credential-process", "prod"]);
    expect(r.code).toBe(0);
    return parseProcessOutput(r.stdout);
  };
  const clearCache = async () => expect((await w.run(["cache", "clear"])).code).toBe(0);
  const botocore = async (extraEnv: Record<string, string> = {}) => {
    const r = await runTool(SYSTEM_PYTHON, ["-c", BOTOCORE_SCRIPT], toolEnv(w.env, { EMULATOR_URL: w.emu.url, ...extraEnv }));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Record<string, string>;
  };
  /** Run in a child: the SDK starts credential_process with its own process.env, which must be the test HOME's. */
  const jsSdk = async (extraEnv: Record<string, string> = {}) => {
    const r = await runTool(process.execPath, [join(import.meta.dir, "clients-fromini.ts"), "prod"], { ...w.env, EMULATOR_URL: w.emu.url, ...extraEnv }, { cwd: ROOT });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as { fromIni: { accessKeyId: string; expiration: string; arn: string }; defaultChain: { accessKeyId: string; arn: string } };
  };

  beforeAll(async () => {
    w = await world();
    await storeAliceKey(w);
    const sync = await w.run(["profiles", "sync"]);
    if (sync.code !== 0) throw new Error(`profiles sync failed: ${sync.stderr}`);
    // 2.9.19 ignores AWS_ENDPOINT_URL_*, so the CLI itself is pointed at the emulator; sesame, started
    // by it as credential_process, inherits AWS_ENDPOINT_URL_STS from this environment.
    aws = (args, extraEnv = {}) => runTool(AWS_CLI, [...args, "--endpoint-url", w.emu.url, "--output", "json"], toolEnv(w.env, extraEnv));
  });
  afterAll(() => w.stop());

  test("profiles sync wrote one managed profile per session, naming the binary", () => {
    const text = readFileSync(w.env.AWS_CONFIG_FILE!, "utf8");
    expect(text).toBe(
      ["alice", "dev", "prod"]
        .map((n) => `[profile ${n}]\nsesame_managed = true\nsesame_catalog = ${w.catalog}\ncredential_process = ${SELF} credential-process ${n}\nregion = eu-west-1\n`)
        .join("\n"),
    );
  });

  withTool(hasAwsCli, AWS_CLI, "aws sts get-caller-identity --profile prod: the chain once, then only GetCallerIdentity with the cached key", async () => {
    await clearCache();
    w.emu.resetCalls();
    const first = await aws(["sts", "get-caller-identity", "--profile", "prod"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ UserId: expect.stringMatching(/^AROA[A-Z2-7]+:sesame-tester$/), Account: "333333333333", Arn: PROD_ARN });
    expect(w.emu.calls.map((c) => [c.action, c.params.RoleArn, c.status])).toEqual([
      ["GetSessionToken", undefined, 200],
      ["AssumeRole", DEV_ROLE, 200],
      ["AssumeRole", PROD_ROLE, 200],
      ["GetCallerIdentity", undefined, 200],
    ]);
    const prod = await cachedProd();
    expect(w.emu.callsFor("GetCallerIdentity")[0]!.accessKeyId).toBe(prod.AccessKeyId);

    w.emu.resetCalls();
    const second = await aws(["sts", "get-caller-identity", "--profile", "prod"]);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).Arn).toBe(PROD_ARN);
    expect(w.emu.calls.map((c) => [c.action, c.accessKeyId, c.status])).toEqual([["GetCallerIdentity", prod.AccessKeyId, 200]]);
  });

  withTool(hasAwsCli, AWS_CLI, "aws: a session sesame cannot resolve is the CLI's credential error, with sesame's line in it", async () => {
    const noKey = await world();
    try {
      expect((await noKey.run(["profiles", "sync"])).code).toBe(0);
      const r = await runTool(AWS_CLI, ["sts", "get-caller-identity", "--profile", "prod", "--endpoint-url", noKey.emu.url], toolEnv(noKey.env));
      expect(r.code).toBe(255);
      expect(r.stdout).toBe("");
      // sesame's one stderr line is what the user sees, inside the CLI's own message
      expect(r.stderr).toContain('Error when retrieving credentials from custom-process: sesame: session "alice": no access key is stored for "alice" — run: sesame secret set alice\n');
      expect(noKey.emu.calls).toHaveLength(0);
    } finally {
      await noKey.stop();
    }
  });

  withTool(hasBotocore, `${SYSTEM_PYTHON} with botocore`, "botocore Session(profile='prod') runs the credential_process and sees the prod role", async () => {
    w.emu.resetCalls();
    const out = await botocore();
    const prod = await cachedProd();
    expect(out).toEqual({ arn: PROD_ARN, account: "333333333333", method: "custom-process", accessKeyId: prod.AccessKeyId, region: "eu-west-1" });
    expect(w.emu.callsFor("GetCallerIdentity").map((c) => c.accessKeyId)).toEqual([prod.AccessKeyId]);
  });

  test("aws-sdk-js-v3: fromIni({ profile: 'prod' }) and the default chain with AWS_PROFILE=prod (in a child process)", async () => {
    const out = await jsSdk();
    const prod = await cachedProd();
    expect(out).toEqual({
      fromIni: { accessKeyId: prod.AccessKeyId, expiration: new Date(prod.Expiration).toISOString(), arn: PROD_ARN },
      defaultChain: { accessKeyId: prod.AccessKeyId, arn: PROD_ARN },
    });
  });

  describe("a binary and a catalog at paths that need quoting", () => {
    // The binary is started through a symlink in a folder whose name holds a space and a $ (written in
    // single quotes), and the catalog is not where sesame looks by default (named with --config, in
    // double quotes for its space): botocore splits the line with shlex, the JS SDK hands it to sh -c.
    let quoted: string;
    let expectedLine: string;
    beforeAll(async () => {
      const dir = join(w.home, "my tools $HOME");
      mkdirSync(dir);
      symlinkSync(BIN, join(dir, "sesame"));
      const catalog = join(w.home, "my catalog.toml");
      writeFileSync(catalog, CHAIN_CATALOG);
      quoted = join(w.home, "aws-config-quoted");
      const r = await w.run(["profiles", "sync"], { bin: [join(dir, "sesame")], env: { SESAME_CONFIG: catalog, AWS_CONFIG_FILE: quoted } });
      if (r.code !== 0) throw new Error(`profiles sync failed: ${r.stderr}`);
      // Keys belong to their catalog (docs/security.md): this catalog gets its own.
      await storeAliceKey(w, { SESAME_CONFIG: catalog });
      expectedLine = `credential_process = '${dir}/sesame' credential-process prod --config "${catalog}"`;
    });

    test("the line names the symlink, not the file it leads to", () => {
      expect(readFileSync(quoted, "utf8").split("\n")).toContain(expectedLine);
    });
    withTool(hasAwsCli, AWS_CLI, "the AWS CLI runs it", async () => {
      const r = await aws(["sts", "get-caller-identity", "--profile", "prod"], { AWS_CONFIG_FILE: quoted });
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout).Arn).toBe(PROD_ARN);
    });
    withTool(hasBotocore, `${SYSTEM_PYTHON} with botocore`, "botocore runs it", async () => {
      expect((await botocore({ AWS_CONFIG_FILE: quoted })).arn).toBe(PROD_ARN);
    });
    test("the JS SDK runs it", async () => {
      const out = await jsSdk({ AWS_CONFIG_FILE: quoted });
      expect([out.fromIni.arn, out.defaultChain.arn]).toEqual([PROD_ARN, PROD_ARN]);
    });
  });

  test("Deno running the source prints what the binary prints: credential-process prod and list --json", async () => {
    for (const args of [["credential-process", "prod"], ["list", "--json"]]) {
      const fromBin = await w.run(args);
      const fromDeno = await w.run(args, { bin: deno });
      expect(fromDeno.stderr).toBe("");
      expect(fromDeno.code).toBe(0);
      expect(fromBin.code).toBe(0);
      expect(fromDeno.stdout).toBe(fromBin.stdout);
    }
  });

  test("Deno's profiles sync: with SESAME_BIN the same file as the binary's; without it, a deno line the AWS CLI can run", async () => {
    const viaBin = join(w.home, "aws-config-bin");
    const viaDenoBin = join(w.home, "aws-config-deno-sesame-bin");
    const viaDeno = join(w.home, "aws-config-deno");
    expect((await w.run(["profiles", "sync"], { env: { AWS_CONFIG_FILE: viaBin } })).code).toBe(0);
    expect((await w.run(["profiles", "sync"], { bin: deno, env: { AWS_CONFIG_FILE: viaDenoBin, SESAME_BIN: BIN } })).code).toBe(0);
    expect(readFileSync(viaDenoBin, "utf8")).toBe(readFileSync(viaBin, "utf8"));

    const r = await w.run(["profiles", "sync"], { bin: deno, env: { AWS_CONFIG_FILE: viaDeno } });
    expect(r.code).toBe(0);
    const line = readFileSync(viaDeno, "utf8").split("\n").find((l) => l.startsWith("credential_process") && l.endsWith(" prod"));
    expect(line).toMatch(new RegExp(`^credential_process = \\S*/deno run -A ${escapeRe(commandLine([MAIN]))} credential-process prod$`));

    if (!hasAwsCli) return; // the line's shape is checked above; running it needs the CLI (required in CI by the test above)
    const prod = await cachedProd();
    w.emu.resetCalls();
    const who = await aws(["sts", "get-caller-identity", "--profile", "prod"], { AWS_CONFIG_FILE: viaDeno });
    expect(who.code).toBe(0);
    expect(JSON.parse(who.stdout).Arn).toBe(PROD_ARN);
    // Deno served the binary's cache entry: no STS call besides the CLI's own
    expect(w.emu.calls.map((c) => [c.action, c.accessKeyId])).toEqual([["GetCallerIdentity", prod.AccessKeyId]]);
  });
});

// --- profiles sync on a hand-written config -------------------------------------------------------------------

const CRLF = (lines: string[]) => lines.map((l) => l + "\r\n").join("");

/** Everything a user wrote: comments, odd spacing, CRLF, [default], sso-session, nested values, a foreign dev. */
const BEFORE = CRLF([
  "# ~/.aws/config — written by hand; sesame must not reformat it",
  "; odd spacing, CRLF endings and comments stay as they are",
  "[default]",
  "region=us-west-2",
  "output = json   ",
  "cli_pager =",
  "",
  "[sso-session corp]",
  "sso_start_url = https://corp.awsapps.com/start",
  "sso_region = eu-central-1",
  "sso_registration_scopes = sso:account:access",
  "",
  "[profile work]",
  "sso_session = corp",
  "sso_account_id = 444455556666",
  "sso_role_name = ReadOnly",
  "region = eu-central-1",
  "s3 =",
  "    max_concurrent_requests = 20",
  "    signature_version = s3v4",
]);
const AFTER = CRLF([
  "# Café team's own dev profile: not sesame's",
  "[profile   dev]   ; hand-made",
  "role_arn = arn:aws:iam::222222222222:role/Dev",
  "source_profile = default",
  "",
  "[services local]",
  "sts =",
  "  endpoint_url = http://localhost:4566",
  "",
  "\t# the end",
]);
/** A block an earlier sync wrote (old binary path, old region) to which the user added a key. */
const OLD_PROD = CRLF(["[profile prod]", "sesame_managed = true", "credential_process = /opt/old/sesame credential-process prod", "output = text", "region = us-east-1"]);
const HAND_WRITTEN = BEFORE + "\r\n" + OLD_PROD + "\r\n" + AFTER;
const FOREIGN_ONLY = BEFORE + "\r\n" + AFTER;

/** The catalog the managed blocks record (sesame_catalog): the world's, set once it exists. */
let syncedCatalog = "";
const managed = (name: string, extra: string[] = []) =>
  CRLF([`[profile ${name}]`, "sesame_managed = true", `sesame_catalog = ${syncedCatalog}`, `credential_process = ${SELF} credential-process ${name}`, "region = eu-west-1", ...extra]);
/** prod updated in place (header and the user's key kept, the catalog recorded), alice added right after it, dev skipped. */
const SYNCED = () => BEFORE + "\r\n" + managed("prod", ["output = text"]) + "\r\n" + managed("alice") + "\r\n" + AFTER;

describe("profiles sync through the binary on a hand-written config", () => {
  let w: World;
  let config: string;
  const sync = (...flags: string[]) => w.run(["profiles", "sync", ...flags]);
  const skipWarning = () =>
    `sesame: skipped "dev": ${config} already has a profile "dev" that sesame does not manage — rename the session, remove that profile, or add "sesame_managed = true" to it to hand it over\n`;

  beforeAll(async () => {
    w = await world();
    syncedCatalog = w.catalog;
    config = w.env.AWS_CONFIG_FILE!;
    mkdirSync(join(w.home, ".aws"), { recursive: true });
  });
  afterAll(() => w.stop());
  const reset = (text: string | Buffer = HAND_WRITTEN) => {
    w.writeCatalog(CHAIN_CATALOG);
    rmSync(`${config}.sesame-backup`, { force: true });
    writeFileSync(config, text);
  };

  test("only sesame's blocks change; the foreign dev is skipped with a warning; the backup is the original", async () => {
    reset();
    const r = await sync();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(skipWarning() + `sesame: profiles sync: added 1, updated 1, removed 0, skipped 1 (${config})\n`);
    expect(readFileSync(config, "utf8")).toBe(SYNCED());
    expect(readFileSync(`${config}.sesame-backup`, "utf8")).toBe(HAND_WRITTEN);
    expect(statSync(config).mode & 0o777).toBe(0o600);
  });

  test("a second run changes nothing: same bytes, same file, backup untouched", async () => {
    reset();
    expect((await sync()).code).toBe(0);
    const ino = statSync(config).ino;
    const backupIno = statSync(`${config}.sesame-backup`).ino;
    const again = await sync();
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(skipWarning() + `sesame: profiles sync: added 0, updated 0, removed 0, skipped 1 (${config})\n`);
    expect(readFileSync(config, "utf8")).toBe(SYNCED());
    expect(statSync(config).ino).toBe(ino);
    expect(statSync(`${config}.sesame-backup`).ino).toBe(backupIno);
  });

  test("--dry-run prints the change as a diff and writes nothing", async () => {
    reset();
    const ino = statSync(config).ino;
    const r = await sync("--dry-run");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(skipWarning() + "sesame: profiles sync (dry run, nothing written): added 1, updated 1, removed 0, skipped 1\n");
    expect(r.stdout).toStartWith(`--- ${config}\n+++ ${config} (after sesame profiles sync)\n@@ `);
    // applied to the file, the diff gives exactly what a real run writes (checked against it line by line)
    expect(applyUnifiedDiff(HAND_WRITTEN, r.stdout)).toBe(SYNCED());
    expect(r.stdout).toContain(`\n+[profile alice]\r\n`);
    expect(readFileSync(config, "utf8")).toBe(HAND_WRITTEN);
    expect(statSync(config).ino).toBe(ino);
    expect(existsSync(`${config}.sesame-backup`)).toBe(false);
  });

  test("sessions removed from the catalog lose their profiles; with none left the file is the user's again", async () => {
    reset();
    expect((await sync()).code).toBe(0);
    w.writeCatalog(CHAIN_CATALOG.replace(/\[session\.prod\][^]*$/, ""));
    const r = await sync();
    expect(r.stderr).toBe(skipWarning() + `sesame: profiles sync: added 0, updated 0, removed 1, skipped 1 (${config})\n`);
    expect(readFileSync(config, "utf8")).toBe(BEFORE + "\r\n" + managed("alice") + "\r\n" + AFTER);

    w.writeCatalog('[defaults]\nregion = "eu-west-1"\n');
    const none = await sync();
    expect(none.stderr).toBe(`sesame: profiles sync: added 0, updated 0, removed 1, skipped 0 (${config})\n`);
    expect(readFileSync(config, "utf8")).toBe(FOREIGN_ONLY);
  });

  test("bytes that are not UTF-8 survive, a last line without its newline still has none afterwards, nothing else moves", async () => {
    const latin1Comment = Buffer.from([0x23, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]); // "# caf\xe9\n": not UTF-8
    const original = Buffer.concat([Buffer.from("[default]\n"), latin1Comment, Buffer.from("region = eu-west-1")]);
    reset(original);
    expect((await sync()).code).toBe(0);
    const lf = (s: string) => s.replace(/\r\n/g, "\n");
    const expected = Buffer.concat([original, Buffer.from("\n\n" + ["alice", "dev", "prod"].map((n) => lf(managed(n))).join("\n").slice(0, -1))]);
    expect(readFileSync(config).equals(expected)).toBe(true);
    w.writeCatalog('[defaults]\nregion = "eu-west-1"\n');
    expect((await sync()).code).toBe(0);
    expect(readFileSync(config).equals(original)).toBe(true);
  });

  withTool(hasAwsCli, AWS_CLI, "the AWS CLI reads the synced file: every profile, foreign values intact, the user's key in a managed block, prod works", async () => {
    reset();
    expect((await sync()).code).toBe(0);
    await storeAliceKey(w);
    const env = toolEnv(w.env);
    const profiles = await runTool(AWS_CLI, ["configure", "list-profiles"], env);
    expect(profiles.code).toBe(0);
    expect(profiles.stdout.trim().split("\n").sort()).toEqual(["alice", "default", "dev", "prod", "work"]);
    const get = async (key: string, profile: string) => (await runTool(AWS_CLI, ["configure", "get", key, "--profile", profile], env)).stdout.trim();
    const values = await Promise.all([get("region", "work"), get("sso_session", "work"), get("role_arn", "dev"), get("output", "prod"), get("region", "prod")]);
    expect(values).toEqual(["eu-central-1", "corp", "arn:aws:iam::222222222222:role/Dev", "text", "eu-west-1"]);
    const who = await runTool(AWS_CLI, ["sts", "get-caller-identity", "--profile", "prod", "--endpoint-url", w.emu.url, "--output", "json"], env);
    expect(who.stderr).toBe("");
    expect(JSON.parse(who.stdout).Arn).toBe(PROD_ARN);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
