// A/B of sesame builds on the bench's fast rows: `bun scripts/bench/ab.ts BIN_A [BIN_B …] [--rounds N]
// [--only floor,warmChain,…]`. The same worlds as `npm run bench` (one temporary folder, every binary a
// fresh copy), each item of each binary interleaved round by round; medians of wall time AND of CPU time
// (user + system, from wait4), both as ratios to the floor. CPU time moves much less than wall time when
// other work shares the machine, so it is the figure to compare builds with on a busy machine.
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { clearCredFiles, interleave, median } from "./measure.ts";
import { runner, type Env } from "./measure.ts";
import { buildFloor, buildWorlds } from "./worlds.ts";

const argv = process.argv.slice(2);
const flag = (f: string) => { const i = argv.indexOf(f); if (i < 0) return undefined; const v = argv[i + 1]; argv.splice(i, 2); return v; };
const rounds = Number(flag("--rounds") ?? 30);
const only = flag("--only")?.split(",");
const herdRounds = Number(flag("--herd") ?? 0);
const bins = argv.map((b) => resolve(b));
if (bins.length === 0) { console.error("usage: bun scripts/bench/ab.ts BIN_A [BIN_B …] [--rounds N] [--only items]"); process.exit(2); }

const tmp = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), "sesame-ab-"));
const cleanups: Array<() => Promise<void> | void> = [];
try {
  const r = runner(tmp);
  const floor = await buildFloor(join(tmp, "floor"), r);
  const copies = bins.map((b, i) => {
    mkdirSync(join(tmp, `bin${i}`));
    const c = join(tmp, `bin${i}`, "sesame");
    copyFileSync(b, c);
    chmodSync(c, 0o755);
    return c;
  });
  const base = await buildWorlds(tmp, copies[0]!, r, cleanups, []);
  const samples = new Map<string, { wall: number[]; cpu: number[] }>();
  const timed = (key: string, cmd: string[], env: Env) => {
    samples.set(key, { wall: [], cpu: [] });
    return {
      name: key,
      once: async () => {
        const t0 = performance.now();
        const p = Bun.spawn(cmd, { env, cwd: tmp, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
        const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
        const ms = performance.now() - t0;
        if (code !== 0) throw new Error(`${cmd.join(" ")}: exit ${code}: ${err}`);
        if (!out) throw new Error(`${cmd.join(" ")}: no output`);
        const ru = p.resourceUsage()!;
        const s = samples.get(key)!;
        s.wall.push(ms);
        s.cpu.push(Number(ru.cpuTime.total) / 1000);
        return ms;
      },
    };
  };
  const items = [timed("floor", [floor], {})];
  // Each binary gets its own copy of each world's state folder (same cache key, own catalog memo and
  // access log): the memo's key carries the build, so binaries sharing one would rewrite it in turn.
  const own = (env: Env, i: number): Env => {
    const state = `${env.XDG_STATE_HOME}-${i}`;
    cpSync(env.XDG_STATE_HOME!, state, { recursive: true });
    return { ...env, XDG_STATE_HOME: state };
  };
  copies.forEach((bin, i) => {
    const t = `${i}:${basename(bins[i]!)}`;
    const w = { chain: { env: own(base.chain.env, i) }, list: { env: own(base.list.env, i) } };
    const want = (k: string) => !only || only.includes(k);
    if (want("warmUser")) items.push(timed(`${t} warmUser`, [bin, "credential-process", "alice"], w.chain.env));
    if (want("warmChain")) items.push(timed(`${t} warmChain`, [bin, "credential-process", "prod"], w.chain.env));
    if (want("warmChainNoLog")) items.push(timed(`${t} warmChainNoLog`, [bin, "credential-process", "prod"], { ...w.chain.env, SESAME_LOG: "off" }));
    if (want("list")) items.push(timed(`${t} list`, [bin, "list"], w.list.env));
    if (want("warmBig")) items.push(timed(`${t} warmBig`, [bin, "credential-process", "alice"], w.list.env));
  });
  await interleave(rounds, items);
  // --herd N: per binary, N interleaved rounds of one cold call and of 50 cold calls at once (wall, ms)
  const herds: string[] = [];
  if (herdRounds > 0) {
    const herdItems = copies.flatMap((bin, i) => {
      const env = { ...base.chain.env, XDG_STATE_HOME: `${base.chain.env.XDG_STATE_HOME}-${i}` };
      const cold = async () => {
        clearCredFiles(base.chain.cacheDir);
        const t0 = performance.now();
        const p = Bun.spawn([bin, "credential-process", "prod"], { env, cwd: tmp, stdout: "pipe", stderr: "pipe" });
        if ((await p.exited) !== 0) throw new Error(`cold failed: ${await new Response(p.stderr).text()}`);
        return performance.now() - t0;
      };
      const herd = async () => {
        clearCredFiles(base.chain.cacheDir);
        const t0 = performance.now();
        const ps = Array.from({ length: 50 }, () => Bun.spawn([bin, "credential-process", "prod"], { env, cwd: tmp, stdout: "pipe", stderr: "pipe" }));
        const codes = await Promise.all(ps.map((p) => p.exited));
        if (codes.some((c) => c !== 0)) throw new Error("a herd call failed");
        return performance.now() - t0;
      };
      return [{ name: `${i} cold`, once: cold }, { name: `${i} herd`, once: herd }];
    });
    const res = await interleave(herdRounds, herdItems);
    copies.forEach((_, i) => {
      const c = median(res.get(`${i} cold`)!), h = median(res.get(`${i} herd`)!);
      herds.push(`${i}:${basename(bins[i]!)} cold ${c.toFixed(1)} ms, 50 at once ${h.toFixed(1)} ms = ${(h / c).toFixed(2)}x cold`);
    });
  }
  const f = samples.get("floor")!;
  const fw = median(f.wall), fc = median(f.cpu);
  console.log(`${"item".padEnd(40)} ${"wall ms".padStart(8)} ${"×floor".padStart(7)} ${"cpu ms".padStart(8)} ${"×floor".padStart(7)}`);
  for (const [k, s] of samples) {
    const mw = median(s.wall), mc = median(s.cpu);
    console.log(`${k.padEnd(40)} ${mw.toFixed(2).padStart(8)} ${(mw / fw).toFixed(2).padStart(7)} ${mc.toFixed(2).padStart(8)} ${(mc / fc).toFixed(2).padStart(7)}`);
  }
  for (const h of herds) console.log(h);
} finally {
  for (const c of cleanups.reverse()) await c();
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(0);
