// Runs dist/sesame as a user would, against the local AWS emulator, in a private HOME.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startEmulator, type CreatedUser, type Emulator } from "../emulator/index.ts";
import { homeEnv, writeHomeCatalog } from "./home.ts";
import { parseToml } from "../../src/catalog/parse.ts";
import { validateCatalog } from "../../src/catalog/validate.ts";
import { entryName } from "../../src/store/cache.ts";
import { currentIdentity } from "../../src/credentials/identity.ts";

export const BIN = resolve(import.meta.dir, "../../dist/sesame");
/** `deno run -A src/main.ts`, the other runtime the source must keep working under (pass as `bin`). */
export const DENO_SESAME = [resolve(import.meta.dir, "../../node_modules/.bin/deno"), "run", "--quiet", "-A", "--no-lock", resolve(import.meta.dir, "../../src/main.ts")];

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface World {
  emu: Emulator;
  home: string;
  catalog: string;
  cacheDir: string;
  stateDir: string;
  env: Record<string, string>;
  alice: CreatedUser;
  writeCatalog(text: string): void;
  run(args: string[], opts?: { stdin?: string; env?: Record<string, string | undefined>; bin?: string[] }): Promise<Run>;
  stop(): Promise<void>;
}

export const ACCT = "111111111111";
export const DEV_ROLE = "arn:aws:iam::222222222222:role/Dev";
export const PROD_ROLE = "arn:aws:iam::333333333333:role/Deploy";

/** alice (iam-user) and dev (a role alice assumes): the start of most test catalogs. */
export const ALICE_AND_DEV = `
[session.alice]
type = "iam-user"

[session.dev]
type = "assume-role"
source = "alice"
role_arn = "${DEV_ROLE}"
`;

/** alice (iam-user) → dev → prod, each role trusting the hop before it. */
export const CHAIN_CATALOG = `
[defaults]
region = "eu-west-1"
${ALICE_AND_DEV}
[session.prod]
type = "assume-role"
source = "dev"
role_arn = "${PROD_ROLE}"
external_id = "prod-ext-42"
`;

export async function world(catalogText = CHAIN_CATALOG): Promise<World> {
  const emu = await startEmulator();
  const alice = emu.addUser({ userName: "alice", account: ACCT });
  emu.addRole({ arn: DEV_ROLE, trust: [alice.arn] });
  emu.addRole({ arn: PROD_ROLE, trust: [DEV_ROLE], requiredExternalId: "prod-ext-42" });
  const home = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), "sesame-e2e-"));
  const catalog = writeHomeCatalog(home, catalogText);
  const env: Record<string, string> = {
    ...homeEnv(home, "tester", emu.url),
    SESAME_KEYRING_SERVICE: `${process.env.SESAME_KEYRING_SERVICE ?? "sesame-test"}-${Math.random().toString(36).slice(2, 8)}`,
  };
  if (process.env.DBUS_SESSION_BUS_ADDRESS) env.DBUS_SESSION_BUS_ADDRESS = process.env.DBUS_SESSION_BUS_ADDRESS;
  else if (!isCi()) {
    // A machine with only Node and npm has no Secret Service: `npm test` must still pass there, so the
    // worlds use the encrypted file keyring. CI (and scripts/with-keyring.sh) always use the real one.
    env.SESAME_KEYRING = "file";
    env.SESAME_FILE_PASSPHRASE = "e2e-passphrase";
  }
  const w: World = {
    emu,
    home,
    catalog,
    cacheDir: join(home, ".cache", "sesame"),
    stateDir: join(home, ".local", "state", "sesame"),
    env,
    alice,
    writeCatalog: (text) => writeFileSync(catalog, text),
    run: (args, opts = {}) => {
      const merged: Record<string, string> = { ...env };
      for (const [k, v] of Object.entries(opts.env ?? {})) {
        if (v === undefined) delete merged[k];
        else merged[k] = v;
      }
      return runBinary([...(opts.bin ?? [BIN]), ...args], merged, opts.stdin);
    },
    stop: () => emu.stop(),
  };
  return w;
}

export function isCi(): boolean {
  const ci = process.env.CI;
  return !!ci && ci !== "false" && ci !== "0";
}

/** Spawned in a new session (setsid): no controlling terminal, as under an SDK or in CI. */
export function runBinary(argv: string[], env: Record<string, string>, stdin?: string): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", rej);
    child.on("close", (code, signal) => res({ code: code ?? 128 + (signal ? 9 : 0), stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

export async function storeAliceKey(w: World, extraEnv: Record<string, string> = {}): Promise<void> {
  const r = await w.run(["secret", "set", "alice"], { stdin: `${w.alice.accessKeyId}\n${w.alice.secretAccessKey}\n`, env: extraEnv });
  if (r.code !== 0) throw new Error(`secret set failed: ${r.stderr}`);
}

export interface ProcessCredentials {
  Version: number;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
}

/** The rules of aws-sdk-js-v3's getValidatedProcessCredentials, plus sesame's one-line promise. */
export function parseProcessOutput(stdout: string): ProcessCredentials {
  if (!stdout.endsWith("\n") || stdout.indexOf("\n") !== stdout.length - 1) throw new Error(`stdout is not exactly one line: ${JSON.stringify(stdout)}`);
  const o = JSON.parse(stdout) as ProcessCredentials;
  if (o.Version !== 1) throw new Error("Version must be 1");
  if (!o.AccessKeyId || !o.SecretAccessKey) throw new Error("keys missing");
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(o.Expiration)) throw new Error(`Expiration not ISO 8601 UTC: ${o.Expiration}`);
  if (Date.parse(o.Expiration) <= Date.now()) throw new Error("Expiration in the past");
  return o;
}

/** The cache entry path of a session of the world's current catalog, without its extension. */
export async function entryBase(w: World, name: string, env: Record<string, string | undefined> = w.env): Promise<string> {
  const cat = validateCatalog(parseToml(w.catalog, readFileSync(w.catalog, "utf8")));
  const s = cat.sessions.get(name);
  if (!s) throw new Error(`no session ${name} in the test catalog`);
  return join(w.cacheDir, await entryName(await currentIdentity(cat, s, env, w.stateDir)));
}

/** The lock file of a session's cache entry (its folder created, as sesame would). */
export async function lockPathFor(w: World, name: string): Promise<string> {
  mkdirSync(w.cacheDir, { recursive: true, mode: 0o700 });
  return `${await entryBase(w, name)}.lock`;
}

/** Removes every cached credential (not the key), as `sesame cache clear` would, without running it. */
export function clearCreds(w: World): void {
  let names: string[];
  try {
    names = readdirSync(w.cacheDir);
  } catch {
    return;
  }
  for (const f of names) if (f.endsWith(".cred")) unlinkSync(join(w.cacheDir, f));
}

/**
 * A second local user for the tests that play another account on the machine (it polls /proc, takes links):
 * created once with useradd, reused afterwards. Undefined, with the reason printed, where that is impossible
 * (not root, not Linux); CI must be able to, so there it throws instead.
 */
export async function secondLocalUser(): Promise<string | undefined> {
  const { spawnSync } = await import("node:child_process");
  const { existsSync } = await import("node:fs");
  const canMakeUser = process.platform === "linux" && process.getuid?.() === 0 && existsSync("/usr/sbin/runuser") && existsSync("/usr/bin/python3");
  if (!canMakeUser) {
    if (isCi()) throw new Error("CI must run the second-user test: it needs root, runuser and /usr/bin/python3");
    console.log("skipped: creating a second local user needs root on Linux (with runuser and /usr/bin/python3)");
    return undefined;
  }
  const user = "sesame-poller";
  if (spawnSync("id", [user]).status !== 0) {
    const add = spawnSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user], { encoding: "utf8" });
    if (add.status !== 0) throw new Error(`useradd: ${add.stderr}`);
  }
  return user;
}

