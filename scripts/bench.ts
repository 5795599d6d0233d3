// npm run bench [-- --quick] [-- --json] [-- --no-build | --bin PATH] [-- --strict]
//
// One run that measures sesame against a floor, interleaved, and prints medians and ratios (never used as
// absolute thresholds in tests: machines differ, ratios against a floor measured in the same run do not).
//
//   floor      a Bun-compiled `console.log("{}")`, built here with scripts/build.ts's compileOptions()
//   warm       credential-process on a cache hit: an iam-user session and the last hop of alice → dev → prod
//   list       `sesame list` over a generated catalog of 500 sessions
//   cold       the 3-hop chain with an empty cache, against the emulator, beside 3 signed STS round trips
//   parallel   50 cold calls at once: upstream calls per hop (emulator call log) and wall time
//   memory     max RSS of a warm call and of the floor; binary sizes
//   aws        the AWS CLI (/usr/bin/aws) resolving the same chain from its own cache, when installed
//   server     `sesame serve`: warm request p50/p99 vs Bun.serve, 20×1000 concurrent, 50 sessions' memory (bench-server.ts)
//
// The bench always rebuilds dist/sesame from the working tree first (`bun scripts/build.ts`, ~1 s), so the
// numbers describe the source you have; --no-build uses the existing binary (and builds only if it is missing);
// --bin PATH measures another build (a variant made from a scratch copy, say) against the same floor.
// Both binaries are copied into the temporary folder before they are measured: on this kind of machine a
// binary file that has sat in the page cache for a while starts ~0.3 ms slower than a freshly written copy
// of the same bytes, which is 10% of the floor — comparing a fresh floor with an old dist/sesame would be unfair.
// Secrets: the file keyring (SESAME_KEYRING=file + SESAME_FILE_PASSPHRASE), so no OS keyring is needed; cold
// calls are measured with the OS keyring too when DBUS_SESSION_BUS_ADDRESS is set
// (`bash scripts/with-keyring.sh npm run bench` gives a private, unlocked gnome-keyring).
// Everything runs in a temporary HOME; the emulator runs in this process; both are removed at the end.
import { createHash, createHmac, scryptSync } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cacheDir as cacheDirOf, stateDir as stateDirOf } from "../src/locations.ts";
import { loadCatalog } from "../src/catalog/load.ts";
import { currentIdentity } from "../src/credentials/identity.ts";
import { ensureCacheKey } from "../src/store/cache-key.ts";
import { encodeEntry, entryName } from "../src/store/cache.ts";
import { compileOptions } from "./build.ts";
import { ACCT, CHAIN_CATALOG, DEV_ROLE, PROD_ROLE, parseProcessOutput } from "../test/e2e/harness.ts";
import { startEmulator, type CreatedUser, type Emulator } from "../test/emulator/index.ts";

// ---------------------------------------------------------------------------------------------- options

const argv = process.argv.slice(2);
const has = (flag: string) => argv.includes(flag);
if (has("--help") || has("-h")) {
  process.stdout.write("usage: bun scripts/bench.ts [--quick] [--json] [--no-build | --bin PATH] [--strict]\n" +
    "  --quick     few rounds (a smoke run, ~10 s)\n  --json      machine-readable result on stdout (progress stays on stderr)\n" +
    "  --no-build  use dist/sesame as it is (built only if missing)\n  --bin PATH  measure this sesame binary instead of building dist/sesame\n" +
    "  --strict    exit 1 when a target is missed\n");
  process.exit(0);
}
const QUICK = has("--quick");
const binFlag = argv.indexOf("--bin");
const OTHER_BIN = binFlag >= 0 ? argv[binFlag + 1] : undefined;
if (binFlag >= 0 && !OTHER_BIN) {
  process.stderr.write("bench: --bin needs a path\n");
  process.exit(2);
}
const JSON_OUT = has("--json");
const ROUNDS = {
  fast: QUICK ? 8 : 40, // floor, warm ×2, list: a few ms each
  memory: QUICK ? 3 : 7,
  cold: QUICK ? 3 : 12,
  listEmpty: QUICK ? 2 : 5,
  parallel: QUICK ? 1 : 5, // the herd is the noisiest item: other processes on the machine change it most
  aws: QUICK ? 2 : 8,
  awsCold: QUICK ? 1 : 3,
};
const PARALLEL = 50;
const LIST_SESSIONS = 500;
const LIST_USERS = ["alice", "bob", "carol", "dave", "erin"];

const ROOT = resolve(import.meta.dir, "..");
const BUN = process.execPath;
const DIST_BIN = join(ROOT, "dist", "sesame");
/** The binary under test, copied into the temporary folder (see the header). Set in main(). */
let BIN = "";
const AWS = "/usr/bin/aws";
const TIME = "/usr/bin/time";
const PASSPHRASE = "bench passphrase, not a secret";

const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

// -------------------------------------------------------------------------------------------- utilities

type Env = Record<string, string>;

interface Run {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Wall time of one process, spawn to exit, with its output. */
async function run(cmd: string[], env: Env, stdin?: string, cwd = tmp): Promise<Run> {
  const t0 = performance.now();
  const p = Bun.spawn(cmd, { env, cwd, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { ms: performance.now() - t0, code, stdout, stderr };
}

async function ok(cmd: string[], env: Env, what: string, stdin?: string, cwd = tmp): Promise<Run> {
  const r = await run(cmd, env, stdin, cwd);
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r;
}

/**
 * Max RSS in KiB through a small waiter (GNU time, else python3's wait4). Bun's own resourceUsage().maxRSS is
 * not usable here: Linux carries the RSS a child had between fork and exec — a copy of this bench, emulator
 * included — into its high-water mark, so every child would look at least as big as the bench.
 */
const rssWaiter: ((cmd: string[]) => string[]) | undefined = existsSync(TIME)
  ? (cmd) => [TIME, "-f", "\n%M", ...cmd]
  : Bun.which("python3")
    ? (cmd) => ["python3", "-c", "import os,sys\npid=os.posix_spawn(sys.argv[1],sys.argv[1:],os.environ)\n_,st,ru=os.wait4(pid,0)\nsys.stderr.write('\\n%d\\n'%ru.ru_maxrss)\nsys.exit(os.waitstatus_to_exitcode(st))", ...cmd]
    : undefined;

async function maxRssKiB(cmd: string[], env: Env): Promise<number> {
  if (!rssWaiter) return NaN;
  const r = await run(rssWaiter(cmd), env);
  if (r.code !== 0) throw new Error(`${cmd.join(" ")} failed under the RSS waiter: ${r.stderr.trim()}`);
  return Number(r.stderr.trim().split("\n").at(-1));
}

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
const median = (xs: number[]) => quantile(xs, 0.5);

/** The same items every round, starting one further each round, so no item always runs first or last. */
async function interleave(rounds: number, items: Array<{ name: string; once: () => Promise<number> }>): Promise<Map<string, number[]>> {
  const out = new Map(items.map((i) => [i.name, [] as number[]]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < items.length; k++) {
      const item = items[(r + k) % items.length]!;
      out.get(item.name)!.push(await item.once());
    }
  }
  return out;
}

function clearCredFiles(dir: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const f of names) if (f.endsWith(".cred") || f.endsWith(".lock")) unlinkSync(join(dir, f));
}

// ------------------------------------------------------- a minimal signed STS client (emulator round trip)

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const sha256hex = (s: string) => createHash("sha256").update(s).digest("hex");
const hmac = (key: string | Buffer, s: string) => createHmac("sha256", key).update(s).digest();

/** One SigV4-signed STS Query call over a fresh connection (as each hop of a new process makes one). */
async function stsCall(url: string, keys: Keys, params: Record<string, string>): Promise<Keys> {
  const region = "eu-west-1";
  const body = Object.entries({ ...params, Version: "2011-06-15" }).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  const u = new URL(url);
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded; charset=utf-8", host: u.host, "x-amz-date": amzDate };
  if (keys.sessionToken) headers["x-amz-security-token"] = keys.sessionToken;
  const names = Object.keys(headers).sort();
  const canonical = ["POST", "/", "", names.map((n) => `${n}:${headers[n]}\n`).join(""), names.join(";"), sha256hex(body)].join("\n");
  const scope = `${day}/${region}/sts/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256hex(canonical)].join("\n");
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${keys.secretAccessKey}`, day), region), "sts"), "aws4_request");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${keys.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${hmac(kSigning, toSign).toString("hex")}`;
  const res = await fetch(url, { method: "POST", headers, body, keepalive: false });
  const xml = await res.text();
  const tag = (t: string) => new RegExp(`<${t}>([^<]+)</${t}>`).exec(xml)?.[1];
  const out = { accessKeyId: tag("AccessKeyId"), secretAccessKey: tag("SecretAccessKey"), sessionToken: tag("SessionToken") };
  if (res.status !== 200 || !out.accessKeyId || !out.secretAccessKey || !out.sessionToken) throw new Error(`STS ${params.Action} → ${res.status}: ${xml.slice(0, 300)}`);
  return out as Keys;
}

/** The chain's three upstream calls, sequentially, exactly as sesame makes them. */
async function chainByHand(url: string, alice: CreatedUser): Promise<Keys> {
  const session = await stsCall(url, alice, { Action: "GetSessionToken" });
  const dev = await stsCall(url, session, { Action: "AssumeRole", RoleArn: DEV_ROLE, RoleSessionName: "sesame-bench" });
  return stsCall(url, dev, { Action: "AssumeRole", RoleArn: PROD_ROLE, RoleSessionName: "sesame-bench", ExternalId: "prod-ext-42" });
}

/**
 * The floor: a one-line program compiled with scripts/build.ts's compileOptions(), the options every sesame
 * binary is built with, so a compile option added there applies to both and the ratios cannot drift.
 */
async function buildFloor(dir: string): Promise<string> {
  mkdirSync(dir);
  writeFileSync(join(dir, "main.ts"), 'console.log("{}");\n');
  const outfile = join(dir, "floor");
  const r = await Bun.build(compileOptions({ entrypoint: join(dir, "main.ts"), outfile }));
  if (!r.success) throw new Error(`floor build failed: ${r.logs.join("\n")}`);
  if ((await ok([outfile], {}, "floor")).stdout !== "{}\n") throw new Error("the floor program printed something else");
  return outfile;
}

// ---------------------------------------------------------------------------------------------- worlds

function privateHome(name: string, catalogText: string, emu: Emulator, extra: Env = {}): { home: string; env: Env; cacheDir: string } {
  const home = join(tmp, name);
  mkdirSync(join(home, ".config", "sesame"), { recursive: true });
  writeFileSync(join(home, ".config", "sesame", "sessions.toml"), catalogText);
  const env: Env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    USER: "bench",
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    XDG_STATE_HOME: join(home, ".local", "state"),
    AWS_ENDPOINT_URL_STS: emu.url,
    AWS_CONFIG_FILE: join(home, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
    SESAME_KEYRING: "file",
    SESAME_FILE_PASSPHRASE: PASSPHRASE,
    ...extra,
  };
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

// ---------------------------------------------------------------------------------------------- report

interface Item {
  key: string;
  label: string;
  samples: number[];
  unit: "ms" | "KiB" | "MiB";
  /** ratio against this item's median */
  versus?: string;
  /** how other rows name this one in their ratio column */
  short?: string;
  note?: string;
}

interface Target {
  name: string;
  ok: boolean | null;
  measured: string;
}

const items = new Map<string, Item>();
const targets: Target[] = [];
const notes: string[] = [];

function record(key: string, label: string, samples: number[], opts: Partial<Omit<Item, "key" | "label" | "samples">> = {}): void {
  items.set(key, { key, label, samples, unit: opts.unit ?? "ms", ...opts });
}
const med = (key: string) => median(items.get(key)?.samples ?? []);
const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");

function machine() {
  let cpu = cpus()[0]?.model ?? "unknown";
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpu;
  } catch { /* not Linux */ }
  return { nproc: navigator.hardwareConcurrency, cpu, bun: Bun.version, os: `${process.platform} ${process.arch}` };
}

function renderTable(): string {
  const rows: string[][] = [["what", "median", "p25–p75", "ratio", "n"]];
  for (const it of items.values()) {
    const m = median(it.samples);
    const ratio = it.versus ? m / med(it.versus) : NaN;
    const against = it.versus ? `× ${items.get(it.versus)?.short ?? it.versus}` : "";
    const digits = it.unit === "ms" ? (m < 100 ? 2 : 0) : it.unit === "MiB" ? 1 : 0;
    rows.push([
      it.label,
      `${fmt(m, digits)} ${it.unit}`,
      it.samples.length > 1 ? `${fmt(quantile(it.samples, 0.25), digits)}–${fmt(quantile(it.samples, 0.75), digits)}` : "",
      Number.isFinite(ratio) ? `${ratio >= 100 ? ratio.toFixed(0) : ratio.toFixed(2)} ${against}` : "",
      String(it.samples.length),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

// ----------------------------------------------------------------------------------------------- main

const tmp = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), "sesame-bench-"));
let emu: Emulator | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
let cleaned = false;
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch (e) {
      log(`cleanup: ${(e as Error).message}`);
    }
  }
  await emu?.stop().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
}
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const info = machine();

  // 1. Binaries: sesame from the working tree, and the floor with the same flags as scripts/build.ts.
  let built = "dist/sesame rebuilt from the working tree by this run (bun scripts/build.ts)";
  let source = DIST_BIN;
  if (OTHER_BIN) {
    source = resolve(OTHER_BIN);
    built = `${source} (--bin)`;
  } else if (has("--no-build") && existsSync(DIST_BIN)) built = "existing dist/sesame (--no-build)";
  else {
    log("building dist/sesame (bun scripts/build.ts)");
    await ok([BUN, "scripts/build.ts"], { ...process.env } as Env, "bun scripts/build.ts", undefined, ROOT);
  }
  mkdirSync(join(tmp, "bin"));
  BIN = join(tmp, "bin", "sesame");
  copyFileSync(source, BIN);
  chmodSync(BIN, 0o755);
  const FLOOR = await buildFloor(join(tmp, "floor"));

  // 2. The emulator and the worlds.
  emu = await startEmulator();
  const alice = emu.addUser({ userName: "alice", account: ACCT });
  emu.addRole({ arn: DEV_ROLE, trust: [alice.arn] });
  emu.addRole({ arn: PROD_ROLE, trust: [DEV_ROLE], requiredExternalId: "prod-ext-42" });
  const service = `sesame-bench-${process.pid}`;
  const chain = privateHome("chain", CHAIN_CATALOG, emu, { SESAME_KEYRING_SERVICE: service });
  const cp = (name: string) => [BIN, "credential-process", name];
  await ok([BIN, "secret", "set", "alice"], chain.env, "secret set alice (file keyring)", `${alice.accessKeyId}\n${alice.secretAccessKey}\n`);
  const prodCreds = parseProcessOutput((await ok(cp("prod"), chain.env, "first credential-process prod")).stdout);
  parseProcessOutput((await ok(cp("alice"), chain.env, "first credential-process alice")).stdout);

  const dbus = process.env.DBUS_SESSION_BUS_ADDRESS;
  let osWorld: ReturnType<typeof privateHome> | undefined;
  if (dbus) {
    const w = privateHome("chain-os", CHAIN_CATALOG, emu, { SESAME_KEYRING: "os", SESAME_KEYRING_SERVICE: service, DBUS_SESSION_BUS_ADDRESS: dbus });
    const r = await run([BIN, "secret", "set", "alice"], w.env, `${alice.accessKeyId}\n${alice.secretAccessKey}\n`);
    if (r.code === 0) {
      osWorld = w;
      cleanups.push(async () => void (await run([BIN, "secret", "delete", "alice"], w.env)));
    } else notes.push(`OS keyring not measured: secret set failed: ${r.stderr.trim()}`);
  } else notes.push("OS keyring not measured: DBUS_SESSION_BUS_ADDRESS is not set (run: bash scripts/with-keyring.sh npm run bench)");

  log(`building the ${LIST_SESSIONS}-session catalog`);
  const list = privateHome("list", bigCatalog(LIST_SESSIONS), emu, { SESAME_KEYRING_SERVICE: service });
  for (const u of LIST_USERS) {
    const k = u === "alice" ? alice : emu.addUser({ userName: u, account: ACCT });
    await ok([BIN, "secret", "set", u], list.env, `secret set ${u}`, `${k.accessKeyId}\n${k.secretAccessKey}\n`);
  }
  const listCatalog = join(list.home, ".config", "sesame", "sessions.toml");
  const filled = await fillCache(list.env, listCatalog);
  const listRows = JSON.parse((await ok([BIN, "list", "--json"], list.env, "sesame list --json")).stdout) as Array<{ state: string }>;
  if (listRows.length !== LIST_SESSIONS || filled !== LIST_SESSIONS || listRows.some((r) => r.state !== "cached")) {
    throw new Error(`list sees ${listRows.length} sessions, ${listRows.filter((r) => r.state === "cached").length} cached; expected ${LIST_SESSIONS} cached`);
  }

  // 3. Fast items, interleaved: floor, warm iam-user, warm 3rd hop, list, a warm call in the big catalog.
  log(`warm and list: ${ROUNDS.fast} interleaved rounds`);
  const callsBefore = emu.calls.length;
  const timed = (cmd: string[], env: Env, check?: (r: Run) => void) => async () => {
    const r = await run(cmd, env);
    if (r.code !== 0) throw new Error(`${cmd.slice(1).join(" ")} failed: ${r.stderr.trim()}`);
    check?.(r);
    return r.ms;
  };
  const samePro = (r: Run) => {
    if (parseProcessOutput(r.stdout).AccessKeyId !== prodCreds.AccessKeyId) throw new Error("warm prod returned other credentials than the cached ones");
  };
  const fast = await interleave(ROUNDS.fast, [
    { name: "floor", once: timed([FLOOR], {}) },
    { name: "warmUser", once: timed(cp("alice"), chain.env, (r) => void parseProcessOutput(r.stdout)) },
    { name: "warmChain", once: timed(cp("prod"), chain.env, samePro) },
    { name: "list", once: timed([BIN, "list"], list.env) },
    { name: "warmBig", once: timed(cp("alice"), list.env, (r) => void parseProcessOutput(r.stdout)) },
  ]);
  if (emu.calls.length !== callsBefore) throw new Error(`warm calls reached the emulator (${emu.calls.length - callsBefore} calls): not a cache hit`);
  record("floor", 'floor: compiled console.log("{}")', fast.get("floor")!, { versus: "floor", short: "floor" });
  record("warmUser", "warm credential-process alice (iam-user)", fast.get("warmUser")!, { versus: "floor" });
  record("warmChain", "warm credential-process prod (hop 3 of 3)", fast.get("warmChain")!, { versus: "floor" });
  record("list", `sesame list, ${LIST_SESSIONS} sessions, all cached`, fast.get("list")!, { versus: "floor" });
  record("warmBig", `warm credential-process alice, in the ${LIST_SESSIONS}-session catalog`, fast.get("warmBig")!, { versus: "floor" });

  // 4. Memory: max RSS (KiB) of the floor and of warm calls, interleaved; binary sizes.
  if (rssWaiter) {
    log(`memory: ${ROUNDS.memory} interleaved rounds (${existsSync(TIME) ? TIME : "python3 wait4"})`);
    const mem = await interleave(ROUNDS.memory, [
      { name: "floor", once: () => maxRssKiB([FLOOR], {}) },
      { name: "warmChain", once: () => maxRssKiB(cp("prod"), chain.env) },
      { name: "list", once: () => maxRssKiB([BIN, "list"], list.env) },
    ]);
    record("floorRss", "max RSS: floor", mem.get("floor")!, { unit: "KiB", versus: "floorRss", short: "floor" });
    record("warmChainRss", "max RSS: warm credential-process prod", mem.get("warmChain")!, { unit: "KiB", versus: "floorRss" });
    record("listRss", `max RSS: sesame list, ${LIST_SESSIONS} sessions`, mem.get("list")!, { unit: "KiB", versus: "floorRss" });
  } else notes.push("max RSS not measured: needs /usr/bin/time or python3");
  const mib = (f: string) => statSync(f).size / 2 ** 20;
  record("floorSize", "binary size: floor", [mib(FLOOR)], { unit: "MiB", versus: "floorSize", short: "floor" });
  record("binSize", "binary size: sesame", [mib(BIN)], { unit: "MiB", versus: "floorSize" });

  // 5. Cold: empty cache, 3 upstream calls, beside the same 3 calls made by hand from this process.
  log(`cold: ${ROUNDS.cold} interleaved rounds`);
  const cold = (w: { env: Env; cacheDir: string }) => async () => {
    clearCredFiles(w.cacheDir);
    const before = emu!.calls.length;
    const r = await run(cp("prod"), w.env);
    if (r.code !== 0) throw new Error(`cold credential-process prod failed: ${r.stderr.trim()}`);
    parseProcessOutput(r.stdout);
    const n = emu!.calls.length - before;
    if (n !== 3) throw new Error(`a cold 3-hop call made ${n} upstream calls, expected 3`);
    return r.ms;
  };
  const rtt = async () => {
    const t0 = performance.now();
    await chainByHand(emu!.url, alice);
    return performance.now() - t0;
  };
  await rtt(); // first fetch() in this process pays for its own set-up
  const coldItems = [
    { name: "rtt", once: rtt },
    { name: "coldFile", once: cold(chain) },
    ...(osWorld ? [{ name: "coldOs", once: cold(osWorld) }] : []),
  ];
  const coldRes = await interleave(ROUNDS.cold, coldItems);
  record("rtt", "emulator RTT: 3 signed STS calls, in-process client", coldRes.get("rtt")!, { short: "RTT" });
  // What the file keyring's KDF alone costs, with the parameters of the keyring file secret set wrote.
  const header = JSON.parse(readFileSync(join(chain.home, ".local", "share", "sesame", "keyring.enc"), "utf8")) as { N: number; r: number; p: number; salt: string };
  const kdf: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    scryptSync(PASSPHRASE, Buffer.from(header.salt, "base64"), 32, { N: header.N, r: header.r, p: header.p, maxmem: 256 * header.N * header.r * header.p + 2 ** 20 });
    kdf.push(performance.now() - t0);
  }
  record("coldFile", "cold credential-process prod, file keyring", coldRes.get("coldFile")!, { versus: "rtt", short: "cold" });
  if (osWorld) record("coldOs", "cold credential-process prod, OS keyring", coldRes.get("coldOs")!, { versus: "rtt" });
  record("scrypt", `file keyring KDF alone: scrypt N=2^${Math.log2(header.N)} r=${header.r} p=${header.p}, in-process`, kdf);

  // list with an empty cache: every row asks the keyring whether its root user has a key.
  log(`list with an empty cache: ${ROUNDS.listEmpty} rounds`);
  const listEmpty: number[] = [];
  const aside = `${list.cacheDir}.aside`;
  renameSync(list.cacheDir, aside);
  try {
    const rows = JSON.parse((await ok([BIN, "list", "--json"], list.env, "list --json, empty cache")).stdout) as Array<{ state: string }>;
    if (rows.some((r) => r.state === "cached")) throw new Error("list with an empty cache still shows cached rows");
    for (let i = 0; i < ROUNDS.listEmpty; i++) listEmpty.push((await ok([BIN, "list"], list.env, "list, empty cache")).ms);
  } finally {
    rmSync(list.cacheDir, { recursive: true, force: true });
    renameSync(aside, list.cacheDir);
  }
  record("listEmpty", `sesame list, ${LIST_SESSIONS} sessions, none cached (file keyring)`, listEmpty, { versus: "floor" });

  // 6. 50 parallel cold calls: one upstream call per hop, and the wall time of the whole herd.
  log(`parallel: ${ROUNDS.parallel} × ${PARALLEL} cold calls at once`);
  const herd: number[] = [];
  const perHop: Array<{ GetSessionToken: number; dev: number; prod: number }> = [];
  for (let i = 0; i < ROUNDS.parallel; i++) {
    clearCredFiles(chain.cacheDir);
    emu.resetCalls();
    const t0 = performance.now();
    const rs = await Promise.all(Array.from({ length: PARALLEL }, () => run(cp("prod"), chain.env)));
    herd.push(performance.now() - t0);
    const failed = rs.filter((r) => r.code !== 0);
    if (failed.length) throw new Error(`${failed.length} of ${PARALLEL} parallel calls failed: ${failed[0]!.stderr.trim()}`);
    const keys = new Set(rs.map((r) => parseProcessOutput(r.stdout).AccessKeyId));
    if (keys.size !== 1) throw new Error(`parallel calls returned ${keys.size} different credentials`);
    const assume = emu.callsFor("AssumeRole");
    perHop.push({
      GetSessionToken: emu.callsFor("GetSessionToken").length,
      dev: assume.filter((c) => c.params.RoleArn === DEV_ROLE).length,
      prod: assume.filter((c) => c.params.RoleArn === PROD_ROLE).length,
    });
  }
  record("parallel", `${PARALLEL} parallel cold credential-process prod, wall`, herd, { versus: "coldFile" });
  // The same herd on a warm cache: what starting 50 processes costs on this machine, whatever they do.
  const warmHerd: number[] = [];
  for (let i = 0; i < ROUNDS.parallel; i++) {
    const before = emu.calls.length;
    const t0 = performance.now();
    const rs = await Promise.all(Array.from({ length: PARALLEL }, () => run(cp("prod"), chain.env)));
    warmHerd.push(performance.now() - t0);
    if (rs.some((r) => r.code !== 0) || emu.calls.length !== before) throw new Error("the warm herd failed or reached the emulator");
  }
  record("parallelWarm", `${PARALLEL} parallel warm credential-process prod, wall`, warmHerd, { versus: "coldFile" });
  const floorHerd: number[] = [];
  for (let i = 0; i < ROUNDS.parallel; i++) {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: PARALLEL }, () => run([FLOOR], {})));
    floorHerd.push(performance.now() - t0);
  }
  record("parallelFloor", `${PARALLEL} parallel floors, wall (this machine's limit)`, floorHerd, { versus: "coldFile" });
  const oneCallPerHop = perHop.every((h) => h.GetSessionToken === 1 && h.dev === 1 && h.prod === 1);

  // 7. The AWS CLI, resolving the same chain its own way, pointed at the emulator.
  let awsInfo: Record<string, unknown> = { installed: false };
  if (existsSync(AWS)) awsInfo = await awsCli(alice, chain.env);
  else notes.push(`AWS CLI not measured: ${AWS} not found`);

  // 7b. The credentials server (sesame serve): its rows and targets come from scripts/bench-server.ts.
  log("credentials server (scripts/bench-server.ts)");
  const server = await (await import("./bench-server.ts")).benchServer({ bin: BIN, quick: QUICK, log });
  for (const row of server.rows) record(row.key, row.label, row.samples, { unit: row.unit, versus: row.versus, short: row.short });
  notes.push(...server.notes);

  // 8. Targets.
  const target = (name: string, okv: boolean | null, measured: string) => targets.push({ name, ok: okv, measured });
  targets.push(...server.targets);
  const r = (a: string, b: string) => med(a) / med(b);
  target("warm ≤ 1.5× floor (iam-user)", r("warmUser", "floor") <= 1.5, `${fmt(r("warmUser", "floor"), 2)}×`);
  target("warm ≤ 1.5× floor (hop 3 of 3)", r("warmChain", "floor") <= 1.5, `${fmt(r("warmChain", "floor"), 2)}×`);
  target("peak memory of a warm call ≤ 1.5× floor's", items.has("warmChainRss") ? r("warmChainRss", "floorRss") <= 1.5 : null, items.has("warmChainRss") ? `${fmt(r("warmChainRss", "floorRss"), 2)}×` : "not measured");
  if (items.has("awsWarm")) target("AWS CLI warm ≥ 100× slower than sesame warm", r("awsWarm", "awsSesameWarm") >= 100, `${fmt(r("awsWarm", "awsSesameWarm"), 0)}×`);
  else target("AWS CLI warm ≥ 100× slower than sesame warm", null, "not measured");
  target("cold 3-hop ≤ emulator round trips + 60 ms (file keyring)", med("coldFile") - med("rtt") <= 60, `cold − RTT = ${fmt(med("coldFile") - med("rtt"))} ms`);
  if (osWorld) target("cold 3-hop ≤ emulator round trips + 60 ms (OS keyring)", med("coldOs") - med("rtt") <= 60, `cold − RTT = ${fmt(med("coldOs") - med("rtt"))} ms`);
  else target("cold 3-hop ≤ emulator round trips + 60 ms (OS keyring)", null, "not measured (no D-Bus session)");
  target(`${PARALLEL} parallel: exactly one upstream call per hop`, oneCallPerHop, perHop.map((h) => `${h.GetSessionToken}/${h.dev}/${h.prod}`).join(", ") + " (GetSessionToken/dev/prod per round)");
  target(`${PARALLEL} parallel: wall ≤ 2× one cold call`, r("parallel", "coldFile") <= 2, `${fmt(r("parallel", "coldFile"), 2)}×`);
  target(`list over ${LIST_SESSIONS} sessions ≤ 3× floor`, r("list", "floor") <= 3, `${fmt(r("list", "floor"), 2)}×`);

  const elapsed = (performance.now() - started) / 1000;
  const result = {
    machine: info,
    binary: built,
    keyring: `file (SESAME_KEYRING=file, SESAME_FILE_PASSPHRASE)${osWorld ? " and OS (Secret Service over D-Bus) for cold calls" : ""}`,
    rounds: ROUNDS,
    quick: QUICK,
    elapsedSeconds: Math.round(elapsed),
    items: Object.fromEntries([...items.values()].map((it) => [it.key, {
      label: it.label,
      unit: it.unit,
      median: median(it.samples),
      p25: quantile(it.samples, 0.25),
      p75: quantile(it.samples, 0.75),
      n: it.samples.length,
      ...(it.versus ? { versus: it.versus, ratio: median(it.samples) / med(it.versus) } : {}),
    }])),
    derived: {
      coldMinusRttFileMs: med("coldFile") - med("rtt"),
      ...(osWorld ? { coldMinusRttOsMs: med("coldOs") - med("rtt") } : {}),
      parallelUpstreamCallsPerRound: perHop,
    },
    aws: awsInfo,
    server: server.figures,
    targets,
    notes,
  };
  if (JSON_OUT) {
    process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  } else {
    const out: string[] = [];
    out.push(`sesame bench — ${info.nproc} cores, ${info.cpu}, Bun ${info.bun}, ${info.os}${QUICK ? " (--quick)" : ""}`);
    out.push(`binary: ${built}; secrets: ${result.keyring}`);
    out.push("");
    out.push(renderTable());
    out.push("");
    out.push(`cold − emulator RTT: file keyring ${fmt(result.derived.coldMinusRttFileMs)} ms${osWorld ? `, OS keyring ${fmt(med("coldOs") - med("rtt"))} ms` : ""}`);
    out.push(`upstream calls per hop in each ${PARALLEL}-way round (GetSessionToken/dev/prod): ${perHop.map((h) => `${h.GetSessionToken}/${h.dev}/${h.prod}`).join(", ")}`);
    if (typeof awsInfo.how === "string") {
      out.push(`AWS CLI: ${awsInfo.how}`);
      const cliFloor = med("awsVersion") / med("floor");
      out.push(`AWS CLI start-up alone (aws --version) = ${fmt(cliFloor, 0)}× the floor, so "≥ 100× sesame warm" needs sesame warm ≤ ${fmt(cliFloor / 100, 2)}× the floor`);
    }
    out.push("");
    out.push("targets");
    for (const t of targets) out.push(`  ${t.ok === null ? "–" : t.ok ? "✓" : "✗"} ${t.name}: ${t.measured}`);
    for (const n of notes) out.push(`note: ${n}`);
    out.push(`(${Math.round(elapsed)} s)`);
    process.stdout.write(out.join("\n") + "\n");
  }
  if (has("--strict") && targets.some((t) => t.ok === false)) process.exitCode = 1;
}

/**
 * The AWS CLI resolving alice → dev → prod the CLI's way: static keys for alice in a credentials file,
 * role_arn + source_profile for dev and prod. Debian's 2.9.x ignores AWS_ENDPOINT_URL_* and has no
 * endpoint_url setting, so its STS client is pointed at the emulator through botocore's own data path
 * (AWS_DATA_PATH): an STS endpoint rule set whose one rule is the emulator's URL. The CLI then assumes both
 * roles against the emulator and caches them in ~/.aws/cli/cache itself; warm runs are checked to make no call.
 */
async function awsCli(alice: CreatedUser, sesameEnv: Env): Promise<Record<string, unknown>> {
  log(`AWS CLI: ${ROUNDS.aws} interleaved rounds`);
  const e = emu!;
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
  const version = (await ok([AWS, "--version"], env, "aws --version")).stdout.trim();
  const probe = await run([AWS, "configure", "export-credentials", "--profile", "alice"], env);
  const hasExport = probe.code === 0 && probe.stdout.includes("AccessKeyId");
  const resolveCmd = (profile: string) => hasExport ? [AWS, "configure", "export-credentials", "--profile", profile] : [AWS, "configure", "list", "--profile", profile];
  const cmdText = hasExport ? "aws configure export-credentials" : "aws configure list";
  const check = (r: Run) => {
    if (r.code !== 0) throw new Error(`${cmdText} failed: ${r.stderr.trim()}`);
    if (!hasExport && !/access_key\s+\*+\w{4}\s+assume-role/.test(r.stdout)) throw new Error(`${cmdText} --profile prod did not resolve assume-role credentials:\n${r.stdout}`);
  };
  const cliCache = join(home, ".aws", "cli", "cache");

  // Cold: the CLI assumes dev then prod against the emulator (alice's keys are static: 2 calls, not 3).
  const coldMs: number[] = [];
  for (let i = 0; i < ROUNDS.awsCold; i++) {
    rmSync(cliCache, { recursive: true, force: true });
    const before = e.calls.length;
    const r = await run(resolveCmd("prod"), env);
    check(r);
    const n = e.calls.length - before;
    if (n !== 2) throw new Error(`a cold ${cmdText} --profile prod made ${n} STS calls to the emulator, expected 2`);
    coldMs.push(r.ms);
  }
  const cached = readdirSync(cliCache).length;

  const before = e.calls.length;
  const res = await interleave(ROUNDS.aws, [
    { name: "version", once: async () => (await ok([AWS, "--version"], env, "aws --version")).ms },
    { name: "static", once: async () => (await ok(resolveCmd("alice"), env, `${cmdText} --profile alice`)).ms },
    { name: "warm", once: async () => { const r = await run(resolveCmd("prod"), env); check(r); return r.ms; } },
    { name: "sesame", once: async () => (await ok([BIN, "credential-process", "prod"], sesameEnv, "warm credential-process prod")).ms },
  ]);
  if (e.calls.length !== before) throw new Error(`warm AWS CLI runs reached the emulator (${e.calls.length - before} calls): its cache was not used`);
  record("awsSesameWarm", "sesame warm prod (in the AWS CLI rounds)", res.get("sesame")!, { short: "sesame warm" });
  record("awsVersion", "AWS CLI: aws --version (start-up)", res.get("version")!, { versus: "awsSesameWarm" });
  record("awsStatic", `AWS CLI: ${cmdText} --profile alice (static keys)`, res.get("static")!, { versus: "awsSesameWarm" });
  record("awsWarm", `AWS CLI: ${cmdText} --profile prod, warm`, res.get("warm")!, { versus: "awsSesameWarm" });
  record("awsCold", `AWS CLI: ${cmdText} --profile prod, cold (2 calls)`, coldMs, { versus: "awsSesameWarm" });
  const how = `${version}; ${hasExport ? "export-credentials" : "export-credentials does not exist in this version, so `aws configure list` (which resolves the profile's credentials to show the key)"} ` +
    `against the emulator through AWS_DATA_PATH (an STS endpoint rule set naming the emulator); warm = its own ~/.aws/cli/cache (${cached} entries, no STS call made)`;
  return { installed: true, version, exportCredentials: hasExport, command: cmdText, how, cacheEntries: cached };
}

try {
  await main();
} catch (e) {
  log(`failed: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
