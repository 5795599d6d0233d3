// The AWS CLI beside sesame: the same chain resolved the CLI's way, pointed at the emulator, cold and warm.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEV_ROLE, PROD_ROLE } from "../../test/e2e/harness.ts";
import { interleave, type Env, type Run } from "./measure.ts";
import { AWS, log } from "./options.ts";
import type { Bench } from "./rows.ts";

/**
 * The AWS CLI resolving alice → dev → prod the CLI's way: static keys for alice in a credentials file,
 * role_arn + source_profile for dev and prod. Debian's 2.9.x ignores AWS_ENDPOINT_URL_* and has no
 * endpoint_url setting, so its STS client is pointed at the emulator through botocore's own data path
 * (AWS_DATA_PATH): an STS endpoint rule set whose one rule is the emulator's URL. The CLI then assumes both
 * roles against the emulator and caches them in ~/.aws/cli/cache itself; warm runs are checked to make no call.
 * Records its rows; returns what the report says of the CLI.
 */
export async function awsCli(b: Bench, tmp: string): Promise<Record<string, unknown>> {
  const { r, report, worlds: { emu: e, alice, chain } } = b;
  const sesameEnv = chain.env;
  log(`AWS CLI: ${b.opts.rounds.aws} interleaved rounds`);
  const home = join(tmp, "aws");
  const dataDir = join(home, "botocore-data", "sts", "2011-06-15");
  mkdirSync(join(home, ".aws"), { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const boolParam = (builtIn: string) => ({ builtIn, required: true, default: false, documentation: builtIn, type: "Boolean" });
  writeFileSync(join(dataDir, "endpoint-rule-set-1.json"), JSON.stringify({
    version: "1.0",
    parameters: {
      Region: { builtIn: "AWS::Region", required: false, documentation: "region", type: "String" },
      UseDualStack: boolParam("AWS::UseDualStack"),
      UseFIPS: boolParam("AWS::UseFIPS"),
      Endpoint: { builtIn: "SDK::Endpoint", required: false, documentation: "endpoint", type: "String" },
      UseGlobalEndpoint: boolParam("AWS::STS::UseGlobalEndpoint"),
    },
    rules: [{ conditions: [], endpoint: { url: e.url, properties: {}, headers: {} }, type: "endpoint" }],
  }));
  writeFileSync(join(home, ".aws", "credentials"), `[alice]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`);
  writeFileSync(join(home, ".aws", "config"), [
    "[profile alice]", "region = eu-west-1", "",
    "[profile dev]", "region = eu-west-1", `role_arn = ${DEV_ROLE}`, "source_profile = alice", "",
    "[profile prod]", "region = eu-west-1", `role_arn = ${PROD_ROLE}`, "source_profile = dev", "external_id = prod-ext-42", "",
  ].join("\n"));
  const env: Env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    AWS_CONFIG_FILE: join(home, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
    AWS_DATA_PATH: join(home, "botocore-data"),
    AWS_ENDPOINT_URL_STS: e.url, // honoured by CLIs from 2.13 on; 2.9 ignores it
    AWS_PAGER: "",
    AWS_EC2_METADATA_DISABLED: "true",
    LC_ALL: "C.UTF-8",
  };
  const version = (await r.ok([AWS, "--version"], env, "aws --version")).stdout.trim();
  const probe = await r.run([AWS, "configure", "export-credentials", "--profile", "alice"], env);
  const hasExport = probe.code === 0 && probe.stdout.includes("AccessKeyId");
  const resolveCmd = (profile: string) => hasExport ? [AWS, "configure", "export-credentials", "--profile", profile] : [AWS, "configure", "list", "--profile", profile];
  const cmdText = hasExport ? "aws configure export-credentials" : "aws configure list";
  const check = (run: Run) => {
    if (run.code !== 0) throw new Error(`${cmdText} failed: ${run.stderr.trim()}`);
    if (!hasExport && !/access_key\s+\*+\w{4}\s+assume-role/.test(run.stdout)) throw new Error(`${cmdText} --profile prod did not resolve assume-role credentials:\n${run.stdout}`);
  };
  const cliCache = join(home, ".aws", "cli", "cache");

  // Cold: the CLI assumes dev then prod against the emulator (alice's keys are static: 2 calls, not 3).
  const coldMs: number[] = [];
  for (let i = 0; i < b.opts.rounds.awsCold; i++) {
    rmSync(cliCache, { recursive: true, force: true });
    const before = e.calls.length;
    const run = await r.run(resolveCmd("prod"), env);
    check(run);
    const n = e.calls.length - before;
    if (n !== 2) throw new Error(`a cold ${cmdText} --profile prod made ${n} STS calls to the emulator, expected 2`);
    coldMs.push(run.ms);
  }
  const cached = readdirSync(cliCache).length;

  const before = e.calls.length;
  const res = await interleave(b.opts.rounds.aws, [
    { name: "version", once: async () => (await r.ok([AWS, "--version"], env, "aws --version")).ms },
    { name: "static", once: async () => (await r.ok(resolveCmd("alice"), env, `${cmdText} --profile alice`)).ms },
    { name: "warm", once: async () => { const run = await r.run(resolveCmd("prod"), env); check(run); return run.ms; } },
    { name: "sesame", once: async () => (await r.ok([b.bin, "credential-process", "prod"], sesameEnv, "warm credential-process prod")).ms },
  ]);
  if (e.calls.length !== before) throw new Error(`warm AWS CLI runs reached the emulator (${e.calls.length - before} calls): its cache was not used`);
  report.record("awsSesameWarm", "sesame warm prod (in the AWS CLI rounds)", res.get("sesame")!, { short: "sesame warm" });
  report.record("awsVersion", "AWS CLI: aws --version (start-up)", res.get("version")!, { versus: "awsSesameWarm" });
  report.record("awsStatic", `AWS CLI: ${cmdText} --profile alice (static keys)`, res.get("static")!, { versus: "awsSesameWarm" });
  report.record("awsWarm", `AWS CLI: ${cmdText} --profile prod, warm`, res.get("warm")!, { versus: "awsSesameWarm" });
  report.record("awsCold", `AWS CLI: ${cmdText} --profile prod, cold (2 calls)`, coldMs, { versus: "awsSesameWarm" });
  const how = `${version}; ${hasExport ? "export-credentials" : "export-credentials does not exist in this version, so `aws configure list` (which resolves the profile's credentials to show the key)"} ` +
    `against the emulator through AWS_DATA_PATH (an STS endpoint rule set naming the emulator); warm = its own ~/.aws/cli/cache (${cached} entries, no STS call made)`;
  return { installed: true, version, exportCredentials: hasExport, command: cmdText, how, cacheEntries: cached };
}
