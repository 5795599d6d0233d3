// The rows of the bench, one function per group, in the order main.ts runs them (and the table shows
// them). A new group of rows is one more function here, called from main.ts, recording through b.report.
import { readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { scryptSync } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DEV_ROLE, PROD_ROLE, parseProcessOutput } from "../../test/e2e/harness.ts";
import { chainByHand, clearCredFiles, interleave, rssWaiter, type Env, type Run, type Runner } from "./measure.ts";
import { LIST_SESSIONS, log, PARALLEL, PASSPHRASE, TIME, type Options } from "./options.ts";
import { fmt, type Report } from "./report.ts";
import type { Home, Worlds } from "./worlds.ts";

/** What every group of rows works with. */
export interface Bench {
  opts: Options;
  r: Runner;
  report: Report;
  /** the binary under test (a fresh copy) */
  bin: string;
  /** the floor program */
  floor: string;
  worlds: Worlds;
}

const cp = (b: Bench, name: string) => [b.bin, "credential-process", name];

/** Fast items, interleaved: floor, warm iam-user, warm 3rd hop, list, a warm call in the big catalog. */
export async function warmAndList(b: Bench): Promise<void> {
  const { r, report, worlds: { emu, chain, list, prodCreds } } = b;
  log(`warm and list: ${b.opts.rounds.fast} interleaved rounds`);
  const callsBefore = emu.calls.length;
  const timed = (cmd: string[], env: Env, check?: (run: Run) => void) => async () => {
    const run = await r.run(cmd, env);
    if (run.code !== 0) throw new Error(`${cmd.slice(1).join(" ")} failed: ${run.stderr.trim()}`);
    check?.(run);
    return run.ms;
  };
  const samePro = (run: Run) => {
    if (parseProcessOutput(run.stdout).AccessKeyId !== prodCreds.AccessKeyId) throw new Error("warm prod returned other credentials than the cached ones");
  };
  const fast = await interleave(b.opts.rounds.fast, [
    { name: "floor", once: timed([b.floor], {}) },
    { name: "warmUser", once: timed(cp(b, "alice"), chain.env, (run) => void parseProcessOutput(run.stdout)) },
    { name: "warmChain", once: timed(cp(b, "prod"), chain.env, samePro) },
    { name: "warmChainNoLog", once: timed(cp(b, "prod"), { ...chain.env, SESAME_LOG: "off" }, samePro) },
    { name: "list", once: timed([b.bin, "list"], list.env) },
    { name: "warmBig", once: timed(cp(b, "alice"), list.env, (run) => void parseProcessOutput(run.stdout)) },
  ]);
  if (emu.calls.length !== callsBefore) throw new Error(`warm calls reached the emulator (${emu.calls.length - callsBefore} calls): not a cache hit`);
  report.record("floor", 'floor: compiled console.log("{}")', fast.get("floor")!, { versus: "floor", short: "floor" });
  report.record("warmUser", "warm credential-process alice (iam-user)", fast.get("warmUser")!, { versus: "floor" });
  report.record("warmChain", "warm credential-process prod (hop 3 of 3), with the log", fast.get("warmChain")!, { versus: "floor" });
  report.record("warmChainNoLog", "warm credential-process prod (hop 3 of 3), SESAME_LOG=off", fast.get("warmChainNoLog")!, { versus: "floor" });
  report.record("list", `sesame list, ${LIST_SESSIONS} sessions, all cached`, fast.get("list")!, { versus: "floor" });
  report.record("warmBig", `warm credential-process alice, in the ${LIST_SESSIONS}-session catalog`, fast.get("warmBig")!, { versus: "floor" });
}

/** Memory: max RSS (KiB) of the floor and of warm calls, interleaved; binary sizes. */
export async function memory(b: Bench): Promise<void> {
  const { r, report, worlds: { chain, list } } = b;
  if (rssWaiter) {
    log(`memory: ${b.opts.rounds.memory} interleaved rounds (${existsSync(TIME) ? TIME : "python3 wait4"})`);
    const mem = await interleave(b.opts.rounds.memory, [
      { name: "floor", once: () => r.maxRssKiB([b.floor], {}) },
      { name: "warmChain", once: () => r.maxRssKiB(cp(b, "prod"), chain.env) },
      { name: "list", once: () => r.maxRssKiB([b.bin, "list"], list.env) },
    ]);
    report.record("floorRss", "max RSS: floor", mem.get("floor")!, { unit: "KiB", versus: "floorRss", short: "floor" });
    report.record("warmChainRss", "max RSS: warm credential-process prod", mem.get("warmChain")!, { unit: "KiB", versus: "floorRss" });
    report.record("listRss", `max RSS: sesame list, ${LIST_SESSIONS} sessions`, mem.get("list")!, { unit: "KiB", versus: "floorRss" });
  } else report.notes.push("max RSS not measured: needs /usr/bin/time or python3");
  const mib = (f: string) => statSync(f).size / 2 ** 20;
  report.record("floorSize", "binary size: floor", [mib(b.floor)], { unit: "MiB", versus: "floorSize", short: "floor" });
  report.record("binSize", "binary size: sesame", [mib(b.bin)], { unit: "MiB", versus: "floorSize" });
}

/** Cold: empty cache, 3 upstream calls, beside the same 3 calls made by hand from this process. */
export async function cold(b: Bench): Promise<void> {
  const { r, report, worlds: { emu, alice, chain, osWorld } } = b;
  log(`cold: ${b.opts.rounds.cold} interleaved rounds`);
  const coldCall = (w: Home) => async () => {
    clearCredFiles(w.cacheDir);
    const before = emu.calls.length;
    const run = await r.run(cp(b, "prod"), w.env);
    if (run.code !== 0) throw new Error(`cold credential-process prod failed: ${run.stderr.trim()}`);
    parseProcessOutput(run.stdout);
    const n = emu.calls.length - before;
    if (n !== 3) throw new Error(`a cold 3-hop call made ${n} upstream calls, expected 3`);
    return run.ms;
  };
  const rtt = async () => {
    const t0 = performance.now();
    await chainByHand(emu.url, alice);
    return performance.now() - t0;
  };
  await rtt(); // first fetch() in this process pays for its own set-up
  const coldItems = [
    { name: "rtt", once: rtt },
    { name: "coldFile", once: coldCall(chain) },
    ...(osWorld ? [{ name: "coldOs", once: coldCall(osWorld) }] : []),
  ];
  const coldRes = await interleave(b.opts.rounds.cold, coldItems);
  report.record("rtt", "emulator RTT: 3 signed STS calls, in-process client", coldRes.get("rtt")!, { short: "RTT" });
  // What the file keyring's KDF alone costs, with the parameters of the keyring file secret set wrote.
  const header = JSON.parse(readFileSync(join(chain.home, ".local", "share", "sesame", "keyring.enc"), "utf8")) as { N: number; r: number; p: number; salt: string };
  const kdf: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    scryptSync(PASSPHRASE, Buffer.from(header.salt, "base64"), 32, { N: header.N, r: header.r, p: header.p, maxmem: 256 * header.N * header.r * header.p + 2 ** 20 });
    kdf.push(performance.now() - t0);
  }
  report.record("coldFile", "cold credential-process prod, file keyring", coldRes.get("coldFile")!, { versus: "rtt", short: "cold" });
  if (osWorld) report.record("coldOs", "cold credential-process prod, OS keyring", coldRes.get("coldOs")!, { versus: "rtt" });
  report.record("scrypt", `file keyring KDF alone: scrypt N=2^${Math.log2(header.N)} r=${header.r} p=${header.p}, in-process`, kdf);
}

/** list with an empty cache: every row asks the keyring whether its root user has a key. */
export async function listEmpty(b: Bench): Promise<void> {
  const { r, report, worlds: { list } } = b;
  log(`list with an empty cache: ${b.opts.rounds.listEmpty} rounds`);
  const samples: number[] = [];
  const aside = `${list.cacheDir}.aside`;
  renameSync(list.cacheDir, aside);
  try {
    const rows = JSON.parse((await r.ok([b.bin, "list", "--json"], list.env, "list --json, empty cache")).stdout) as Array<{ state: string }>;
    if (rows.some((row) => row.state === "cached")) throw new Error("list with an empty cache still shows cached rows");
    for (let i = 0; i < b.opts.rounds.listEmpty; i++) samples.push((await r.ok([b.bin, "list"], list.env, "list, empty cache")).ms);
  } finally {
    rmSync(list.cacheDir, { recursive: true, force: true });
    renameSync(aside, list.cacheDir);
  }
  report.record("listEmpty", `sesame list, ${LIST_SESSIONS} sessions, none cached (file keyring)`, samples, { versus: "floor" });
}

export interface PerHop {
  GetSessionToken: number;
  dev: number;
  prod: number;
}

/** 50 parallel cold calls: one upstream call per hop, and the wall time of the whole herd. Returns the calls per hop of each round. */
export async function parallel(b: Bench): Promise<PerHop[]> {
  const { r, report, worlds: { emu, chain } } = b;
  const rounds = b.opts.rounds.parallel;
  log(`parallel: ${rounds} × ${PARALLEL} cold calls at once`);
  const herd: number[] = [];
  const perHop: PerHop[] = [];
  for (let i = 0; i < rounds; i++) {
    clearCredFiles(chain.cacheDir);
    emu.resetCalls();
    const t0 = performance.now();
    const rs = await Promise.all(Array.from({ length: PARALLEL }, () => r.run(cp(b, "prod"), chain.env)));
    herd.push(performance.now() - t0);
    const failed = rs.filter((x) => x.code !== 0);
    if (failed.length) throw new Error(`${failed.length} of ${PARALLEL} parallel calls failed: ${failed[0]!.stderr.trim()}`);
    const keys = new Set(rs.map((x) => parseProcessOutput(x.stdout).AccessKeyId));
    if (keys.size !== 1) throw new Error(`parallel calls returned ${keys.size} different credentials`);
    const assume = emu.callsFor("AssumeRole");
    perHop.push({
      GetSessionToken: emu.callsFor("GetSessionToken").length,
      dev: assume.filter((c) => c.params.RoleArn === DEV_ROLE).length,
      prod: assume.filter((c) => c.params.RoleArn === PROD_ROLE).length,
    });
  }
  report.record("parallel", `${PARALLEL} parallel cold credential-process prod, wall`, herd, { versus: "coldFile" });
  // The same herd on a warm cache: what starting 50 processes costs on this machine, whatever they do.
  const warmHerd: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const before = emu.calls.length;
    const t0 = performance.now();
    const rs = await Promise.all(Array.from({ length: PARALLEL }, () => r.run(cp(b, "prod"), chain.env)));
    warmHerd.push(performance.now() - t0);
    if (rs.some((x) => x.code !== 0) || emu.calls.length !== before) throw new Error("the warm herd failed or reached the emulator");
  }
  report.record("parallelWarm", `${PARALLEL} parallel warm credential-process prod, wall`, warmHerd, { versus: "coldFile" });
  const floorHerd: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: PARALLEL }, () => r.run([b.floor], {})));
    floorHerd.push(performance.now() - t0);
  }
  report.record("parallelFloor", `${PARALLEL} parallel floors, wall (this machine's limit)`, floorHerd, { versus: "coldFile" });
  return perHop;
}

/** The targets, from the rows recorded. */
export function targets(b: Bench, perHop: PerHop[]): void {
  const { report } = b;
  const { target, med, items } = report;
  const osWorld = b.worlds.osWorld;
  const r = (x: string, y: string) => med(x) / med(y);
  const oneCallPerHop = perHop.every((h) => h.GetSessionToken === 1 && h.dev === 1 && h.prod === 1);
  // issue 11: warm ≤ 1.3× the floor, in a 500-session catalog too (the rows "with the log" are what users run)
  target("warm ≤ 1.3× floor (iam-user)", r("warmUser", "floor") <= 1.3, `${fmt(r("warmUser", "floor"), 2)}×`);
  target("warm ≤ 1.3× floor (hop 3 of 3, with the log)", r("warmChain", "floor") <= 1.3, `${fmt(r("warmChain", "floor"), 2)}×`);
  target("warm ≤ 1.3× floor (hop 3 of 3, SESAME_LOG=off)", r("warmChainNoLog", "floor") <= 1.3, `${fmt(r("warmChainNoLog", "floor"), 2)}×`);
  target(`warm ≤ 1.3× floor (in the ${LIST_SESSIONS}-session catalog)`, r("warmBig", "floor") <= 1.3, `${fmt(r("warmBig", "floor"), 2)}×`);
  target("peak memory of a warm call ≤ 1.5× floor's", items.has("warmChainRss") ? r("warmChainRss", "floorRss") <= 1.5 : null, items.has("warmChainRss") ? `${fmt(r("warmChainRss", "floorRss"), 2)}×` : "not measured");
  if (items.has("awsWarm")) target("AWS CLI warm ≥ 100× slower than sesame warm", r("awsWarm", "awsSesameWarm") >= 100, `${fmt(r("awsWarm", "awsSesameWarm"), 0)}×`);
  else target("AWS CLI warm ≥ 100× slower than sesame warm", null, "not measured");
  target("cold 3-hop ≤ emulator round trips + 60 ms (file keyring)", med("coldFile") - med("rtt") <= 60, `cold − RTT = ${fmt(med("coldFile") - med("rtt"))} ms`);
  if (osWorld) target("cold 3-hop ≤ emulator round trips + 60 ms (OS keyring)", med("coldOs") - med("rtt") <= 60, `cold − RTT = ${fmt(med("coldOs") - med("rtt"))} ms`);
  else target("cold 3-hop ≤ emulator round trips + 60 ms (OS keyring)", null, "not measured (no D-Bus session)");
  target(`${PARALLEL} parallel: exactly one upstream call per hop`, oneCallPerHop, perHop.map((h) => `${h.GetSessionToken}/${h.dev}/${h.prod}`).join(", ") + " (GetSessionToken/dev/prod per round)");
  // the machine's own bound beside it: 50 floors at once, and 50 warm calls at once, against one cold call
  target(`${PARALLEL} parallel: wall ≤ 2.5× one cold call`, r("parallel", "coldFile") <= 2.5, `${fmt(r("parallel", "coldFile"), 2)}× (${PARALLEL} floors at once: ${fmt(r("parallelFloor", "coldFile"), 2)}×, ${PARALLEL} warm calls at once: ${fmt(r("parallelWarm", "coldFile"), 2)}×)`);
  target(`list over ${LIST_SESSIONS} sessions ≤ 3× floor`, r("list", "floor") <= 3, `${fmt(r("list", "floor"), 2)}×`);
}
