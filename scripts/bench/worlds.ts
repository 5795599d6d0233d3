// What the bench measures in: the binary under test and the floor (both fresh copies in the temporary
// folder), the emulator with alice → dev → prod, and the private HOMEs (the chain, the chain on the OS
// keyring, a 500-session catalog with every session cached).
import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { cacheDir as cacheDirOf, stateDir as stateDirOf } from "../../src/locations.ts";
import { loadCatalog } from "../../src/catalog/load.ts";
import { currentIdentity } from "../../src/credentials/identity.ts";
import { ensureCacheKey } from "../../src/store/cache-key.ts";
import { encodeEntry, entryName } from "../../src/store/cache.ts";
import { compileOptions } from "../build.ts";
import { ACCT, CHAIN_CATALOG, DEV_ROLE, PROD_ROLE, parseProcessOutput, type ProcessCredentials } from "../../test/e2e/harness.ts";
import { homeEnv, writeHomeCatalog } from "../../test/e2e/home.ts";
import { startEmulator, type CreatedUser, type Emulator } from "../../test/emulator/index.ts";
import { runner, type Env, type Runner } from "./measure.ts";
import { BUN, DIST_BIN, LIST_SESSIONS, LIST_USERS, log, PASSPHRASE, ROOT, type Options } from "./options.ts";

/** The binary under test: built from the working tree (or --no-build / --bin), copied fresh into `tmp`. */
export async function binaryUnderTest(opts: Options, tmp: string): Promise<{ bin: string; built: string }> {
  let built = "dist/sesame rebuilt from the working tree by this run (bun scripts/build.ts)";
  let source = DIST_BIN;
  if (opts.otherBin) {
    source = resolve(opts.otherBin);
    built = `${source} (--bin)`;
  } else if (opts.noBuild && existsSync(DIST_BIN)) built = "existing dist/sesame (--no-build)";
  else {
    log("building dist/sesame (bun scripts/build.ts)");
    // the build runs in the repository, not in the temporary folder
    await runner(ROOT).ok([BUN, "scripts/build.ts"], { ...process.env } as Env, "bun scripts/build.ts");
  }
  mkdirSync(join(tmp, "bin"));
  const bin = join(tmp, "bin", "sesame");
  copyFileSync(source, bin);
  chmodSync(bin, 0o755);
  return { bin, built };
}

/**
 * The floor: a one-line program compiled with scripts/build.ts's compileOptions(), the options every sesame
 * binary is built with, so a compile option added there applies to both and the ratios cannot drift.
 */
export async function buildFloor(dir: string, r: Runner): Promise<string> {
  mkdirSync(dir);
  writeFileSync(join(dir, "main.ts"), 'console.log("{}");\n');
  const outfile = join(dir, "floor");
  const b = await Bun.build(compileOptions({ entrypoint: join(dir, "main.ts"), outfile }));
  if (!b.success) throw new Error(`floor build failed: ${b.logs.join("\n")}`);
  if ((await r.ok([outfile], {}, "floor")).stdout !== "{}\n") throw new Error("the floor program printed something else");
  return outfile;
}

export interface Home {
  home: string;
  env: Env;
  cacheDir: string;
}

/** A private HOME under `tmp` with this catalog, the file keyring, STS at the emulator. */
export function privateHome(tmp: string, name: string, catalogText: string, emu: Emulator, extra: Env = {}): Home {
  const home = join(tmp, name);
  writeHomeCatalog(home, catalogText);
  const env: Env = { ...homeEnv(home, "bench", emu.url), SESAME_KEYRING: "file", SESAME_FILE_PASSPHRASE: PASSPHRASE, ...extra };
  return { home, env, cacheDir: join(home, ".cache", "sesame") };
}

/** Mostly assume-role sessions from a few iam-users; every fourth one chains from the one before it. */
function bigCatalog(n: number): string {
  const out = ['[defaults]', 'region = "eu-west-1"', ""];
  for (const u of LIST_USERS) out.push(`[session.${u}]`, 'type = "iam-user"', "");
  const roles = ["ReadOnly", "Admin", "Deploy", "Billing", "Audit"];
  let prev = "";
  for (let i = 0; i < n - LIST_USERS.length; i++) {
    const acct = String(200000000000 + i * 7919);
    const name = `${roles[i % roles.length]!.toLowerCase()}-${String(i).padStart(3, "0")}`;
    const source = i % 4 === 3 && prev ? prev : LIST_USERS[i % LIST_USERS.length]!;
    out.push(`[session.${name}]`, 'type = "assume-role"', `source = "${source}"`, `role_arn = "arn:aws:iam::${acct}:role/${roles[i % roles.length]}"`);
    if (i % 7 === 0) out.push(`external_id = "ext-${i}"`);
    if (i % 5 === 0) out.push('region = "us-east-1"');
    out.push("");
    prev = name;
  }
  return out.join("\n");
}

/** Fills the cache of every session through sesame's own code (src/store/cache.ts), as 500 real fetches would. */
async function fillCache(env: Env, catalogFile: string): Promise<number> {
  const cat = loadCatalog(catalogFile);
  const dir = cacheDirOf(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const key = await ensureCacheKey(stateDirOf(env));
  const expiration = new Date(Date.now() + 3600_000);
  let i = 0;
  for (const s of cat.sessions.values()) {
    // under the root's current generation (a `secret set` of the root started a new one)
    const id = await currentIdentity(cat, s, env, stateDirOf(env));
    const n = String(i++).padStart(12, "0");
    const blob = await encodeEntry(key, id, { accessKeyId: `ASIABENCH${n}`, secretAccessKey: `bench-secret-${n}-xxxxxxxxxxxxxxxxxxxxxx`, sessionToken: `bench-token-${n}`.repeat(20), expiration });
    writeFileSync(join(dir, `${await entryName(id)}.cred`), blob, { mode: 0o600 });
  }
  return i;
}

export interface Worlds {
  emu: Emulator;
  alice: CreatedUser;
  /** alice → dev → prod on the file keyring, prod and alice already cached */
  chain: Home;
  /** the same chain on the OS keyring, when a Secret Service answers */
  osWorld?: Home;
  /** LIST_SESSIONS sessions, every one cached */
  list: Home;
  /** the credentials of the first credential-process prod (a warm call must return these) */
  prodCreds: ProcessCredentials;
}

/**
 * Starts the emulator and builds the worlds. What must be undone (the OS keyring item) is pushed on
 * `cleanups`; what could not be set up is pushed on `notes`.
 */
export async function buildWorlds(tmp: string, bin: string, r: Runner, cleanups: Array<() => Promise<void> | void>, notes: string[]): Promise<Worlds> {
  const emu = await startEmulator();
  cleanups.unshift(() => emu.stop().catch(() => undefined)); // stopped last, after the keyring item is gone
  const alice = emu.addUser({ userName: "alice", account: ACCT });
  emu.addRole({ arn: DEV_ROLE, trust: [alice.arn] });
  emu.addRole({ arn: PROD_ROLE, trust: [DEV_ROLE], requiredExternalId: "prod-ext-42" });
  const service = `sesame-bench-${process.pid}`;
  const chain = privateHome(tmp, "chain", CHAIN_CATALOG, emu, { SESAME_KEYRING_SERVICE: service });
  const cp = (name: string) => [bin, "credential-process", name];
  await r.ok([bin, "secret", "set", "alice"], chain.env, "secret set alice (file keyring)", `${alice.accessKeyId}\n${alice.secretAccessKey}\n`);
  const prodCreds = parseProcessOutput((await r.ok(cp("prod"), chain.env, "first credential-process prod")).stdout);
  parseProcessOutput((await r.ok(cp("alice"), chain.env, "first credential-process alice")).stdout);

  const dbus = process.env.DBUS_SESSION_BUS_ADDRESS;
  let osWorld: Home | undefined;
  if (dbus) {
    const w = privateHome(tmp, "chain-os", CHAIN_CATALOG, emu, { SESAME_KEYRING: "os", SESAME_KEYRING_SERVICE: service, DBUS_SESSION_BUS_ADDRESS: dbus });
    const set = await r.run([bin, "secret", "set", "alice"], w.env, `${alice.accessKeyId}\n${alice.secretAccessKey}\n`);
    if (set.code === 0) {
      osWorld = w;
      cleanups.push(async () => void (await r.run([bin, "secret", "delete", "alice"], w.env)));
    } else notes.push(`OS keyring not measured: secret set failed: ${set.stderr.trim()}`);
  } else notes.push("OS keyring not measured: DBUS_SESSION_BUS_ADDRESS is not set (run: bash scripts/with-keyring.sh npm run bench)");

  log(`building the ${LIST_SESSIONS}-session catalog`);
  const list = privateHome(tmp, "list", bigCatalog(LIST_SESSIONS), emu, { SESAME_KEYRING_SERVICE: service });
  for (const u of LIST_USERS) {
    const k = u === "alice" ? alice : emu.addUser({ userName: u, account: ACCT });
    await r.ok([bin, "secret", "set", u], list.env, `secret set ${u}`, `${k.accessKeyId}\n${k.secretAccessKey}\n`);
  }
  const listCatalog = join(list.home, ".config", "sesame", "sessions.toml");
  const filled = await fillCache(list.env, listCatalog);
  const listRows = JSON.parse((await r.ok([bin, "list", "--json"], list.env, "sesame list --json")).stdout) as Array<{ state: string }>;
  if (listRows.length !== LIST_SESSIONS || filled !== LIST_SESSIONS || listRows.some((row) => row.state !== "cached")) {
    throw new Error(`list sees ${listRows.length} sessions, ${listRows.filter((row) => row.state === "cached").length} cached; expected ${LIST_SESSIONS} cached`);
  }
  return { emu, alice, chain, ...(osWorld ? { osWorld } : {}), list, prodCreds };
}
