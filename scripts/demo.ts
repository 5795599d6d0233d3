// npm run demo: sesame's main job end to end, on this machine alone. Builds dist/sesame, starts the local
// AWS emulator, stores a demo IAM user's key in a temporary (encrypted) file keyring, resolves the chain
// alice → dev → prod through `credential_process`, shows the credentials reaching a real AWS SDK call, and
// signs in with an AWS console identity (`aws login`, the emulator's AWS Sign-In answering for the browser).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startEmulator } from "../test/emulator/index.ts";

const root = resolve(import.meta.dir, "..");
const bin = join(root, "dist", "sesame");
const say = (s = "") => console.log(s);
const step = (s: string) => say(`\n\x1b[1m▸ ${s}\x1b[0m`);

step("building dist/sesame");
const build = spawnSync(process.execPath, [join(root, "scripts", "build.ts")], { stdio: "inherit", cwd: root });
if (build.status !== 0) process.exit(1);

step("starting the local AWS emulator (STS with SigV4 checks)");
const emu = await startEmulator();
const alice = emu.addUser({ userName: "alice", account: "111111111111" });
emu.addRole({ arn: "arn:aws:iam::222222222222:role/Dev", trust: [alice.arn] });
emu.addRole({ arn: "arn:aws:iam::333333333333:role/Deploy", trust: ["arn:aws:iam::222222222222:role/Dev"], requiredExternalId: "demo-ext" });
say(`emulator at ${emu.url}; IAM user alice has key ****${alice.accessKeyId.slice(-4)}`);

const home = mkdtempSync(join(tmpdir(), "sesame-demo-"));
const catalog = join(home, ".config", "sesame", "sessions.toml");
mkdirSync(join(home, ".config", "sesame"), { recursive: true });
writeFileSync(
  catalog,
  `[defaults]
region = "eu-west-1"

[session.alice]            # an IAM user: its key lives in the keyring, never in a file
type = "iam-user"

[session.dev]              # a role assumed with alice's session
type = "assume-role"
source = "alice"
role_arn = "arn:aws:iam::222222222222:role/Dev"

[session.prod]             # a role assumed from dev: a 3-hop chain
type = "assume-role"
source = "dev"
role_arn = "arn:aws:iam::333333333333:role/Deploy"
external_id = "demo-ext"

[session.console]          # the AWS console identity (aws login): 15-minute credentials renewed for 12 hours
type = "aws-login"
`,
);
const awsConfig = join(home, ".aws", "config");
mkdirSync(join(home, ".aws"), { recursive: true });
writeFileSync(awsConfig, `[profile prod]\ncredential_process = ${bin} credential-process prod\nregion = eu-west-1\n`);

// Everything below (and every credential_process the SDK starts) sees this environment.
Object.assign(process.env, {
  HOME: home,
  XDG_CONFIG_HOME: join(home, ".config"),
  XDG_CACHE_HOME: join(home, ".cache"),
  XDG_STATE_HOME: join(home, ".local", "state"),
  XDG_DATA_HOME: join(home, ".local", "share"),
  SESAME_KEYRING: "file",
  SESAME_FILE_PASSPHRASE: `demo-${Math.random().toString(36).slice(2)}`,
  AWS_ENDPOINT_URL_STS: emu.url,
  AWS_ENDPOINT_URL_SIGNIN: emu.url,
  AWS_CONFIG_FILE: awsConfig,
  AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
});
for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"]) delete process.env[k];

// Asynchronous on purpose: the emulator runs in this process and must keep answering.
async function run(cmd: string, args: string[], input = ""): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", rej);
    child.on("close", (code) => res({ status: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

async function sesame(args: string[], input?: string): Promise<string> {
  say(`$ sesame ${args.join(" ")}`);
  const r = await run(bin, args, input);
  // Emulator credentials, but shown the way a careful tool shows credentials: masked.
  if (r.stdout) process.stdout.write(r.stdout.replace(/"(SecretAccessKey|SessionToken)":"([^"]*)"/g, (_m, k: string, v: string) => `"${k}":"****${v.slice(-4)}"`));
  if (r.stderr) process.stdout.write(r.stderr);
  if (r.status !== 0) throw new Error(`sesame ${args[0]} exited with ${r.status}`);
  return r.stdout;
}

let failed = false;
try {
  step(`the catalog (${catalog})`);
  say(`3 sessions: alice (iam-user) → dev → prod`);

  step("store alice's key once (piped here; on a terminal sesame prompts without echo)");
  await sesame(["secret", "set", "alice"], `${alice.accessKeyId}\n${alice.secretAccessKey}\n`);

  step("resolve the chain: what every AWS tool gets from credential_process");
  emu.resetCalls();
  const out = await sesame(["credential-process", "prod"]);
  const creds = JSON.parse(out) as { AccessKeyId: string; Expiration: string };
  say(`upstream calls: ${emu.calls.map((c) => c.action + (c.params.RoleArn ? `(${String(c.params.RoleArn).split("/").pop()})` : "")).join(" → ")}`);

  step("again: served from the encrypted cache, no call to AWS");
  emu.resetCalls();
  const t0 = performance.now();
  await sesame(["credential-process", "prod"]);
  say(`upstream calls: ${emu.calls.length}; took ${(performance.now() - t0).toFixed(1)} ms including process start`);

  step("a real AWS SDK (JS v3) with `credential_process = sesame credential-process prod` in ~/.aws/config");
  process.env.AWS_PROFILE = "prod";
  const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
  const me = await new STSClient({ region: "eu-west-1", endpoint: emu.url }).send(new GetCallerIdentityCommand({}));
  say(`GetCallerIdentity → ${me.Arn}`);
  if (!me.Arn?.includes("assumed-role/Deploy/")) throw new Error("the SDK did not get the prod role");
  say(`(key ****${creds.AccessKeyId.slice(-4)}, valid until ${creds.Expiration})`);

  if (existsSync("/usr/bin/aws")) {
    step("the AWS CLI too (Debian's 2.9 needs --endpoint-url itself; sesame inherits AWS_ENDPOINT_URL_STS)");
    const r = await run("/usr/bin/aws", ["sts", "get-caller-identity", "--profile", "prod", "--endpoint-url", emu.url, "--output", "text", "--query", "Arn"]);
    say(r.status === 0 ? `aws sts get-caller-identity → ${r.stdout.trim()}` : `aws failed: ${r.stderr.trim()}`);
  }

  step("the AWS console identity: sesame login console (the demo plays the browser and its sign-in page)");
  say(`$ sesame login console --no-browser`);
  const login = await new Promise<{ status: number; stderr: string }>((res, rej) => {
    const child = spawn(bin, ["login", "console", "--no-browser"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let answered = false;
    child.stderr.on("data", (d) => {
      stderr += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/v1\/authorize\?\S+)/.exec(stderr);
      if (m && !answered) {
        answered = true;
        // the person signs in to the console; the browser is sent back to sesame's loopback address
        void fetch(emu.completeLogin(m[1]!)).then((r) => r.text());
      }
    });
    child.on("error", rej);
    child.on("close", (code) => res({ status: code ?? 1, stderr }));
  });
  process.stdout.write(login.stderr.split("\n").filter((l) => !l.includes("/v1/authorize?")).join("\n"));
  if (login.status !== 0) throw new Error(`sesame login exited with ${login.status}`);
  await sesame(["whoami", "console"]);

  step("sesame list");
  await sesame(["list"]);
  say("\nDone: no long-lived key was written to ~/.aws, and every tool got short-lived credentials.");
} catch (e) {
  failed = true;
  console.error(`demo failed: ${(e as Error).message}`);
} finally {
  await emu.stop();
  rmSync(home, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
