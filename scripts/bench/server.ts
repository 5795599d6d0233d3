// The credentials server's rows of `npm run bench` (issue 10), in a file of their own; scripts/bench.ts
// calls benchServer() and prints its rows and targets. Runnable alone too: bun scripts/bench/server.ts [--quick] [BIN]
//
//   request    a warm request to `sesame serve` (the compiled binary): p50 and p99 over keep-alive
//              connections, interleaved in batches with a minimal Bun.serve answering a constant JSON
//   herd       20 concurrent clients × 1,000 requests while the server renews 2-second credentials:
//              errors, and upstream calls per hop against the renewals
//   memory     50 assume-role sessions renewing 4-second credentials for a minute (~30 renewals each,
//              about a day of real 1-hour credentials): RSS sampled every second
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ACCT, DEV_ROLE, PROD_ROLE } from "../../test/e2e/harness.ts";
import { startEmulator, type Emulator } from "../../test/emulator/index.ts";
import { quantile } from "./measure.ts";
import type { Item, Target } from "./report.ts";

type Env = Record<string, string>;

export type ServerRow = Omit<Item, "note">;
export type ServerTarget = Target;
export interface ServerBench {
  rows: ServerRow[];
  targets: ServerTarget[];
  notes: string[];
  figures: Record<string, unknown>;
}

const PASSPHRASE = "bench passphrase, not a secret";


function home(tmp: string, name: string, catalog: string, emu: Emulator): Env {
  const h = join(tmp, name);
  mkdirSync(join(h, ".config", "sesame"), { recursive: true });
  writeFileSync(join(h, ".config", "sesame", "sessions.toml"), catalog);
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: h,
    USER: "bench",
    XDG_CONFIG_HOME: join(h, ".config"),
    XDG_CACHE_HOME: join(h, ".cache"),
    XDG_DATA_HOME: join(h, ".local", "share"),
    XDG_STATE_HOME: join(h, ".local", "state"),
    XDG_RUNTIME_DIR: h,
    AWS_ENDPOINT_URL_STS: emu.url,
    SESAME_KEYRING: "file",
    SESAME_FILE_PASSPHRASE: PASSPHRASE,
  };
}

async function storeKey(bin: string, env: Env, session: string, id: string, secret: string): Promise<void> {
  const p = Bun.spawn([bin, "secret", "set", session], { env, stdin: new TextEncoder().encode(`${id}\n${secret}\n`), stdout: "ignore", stderr: "pipe" });
  if ((await p.exited) !== 0) throw new Error(`secret set failed: ${await new Response(p.stderr).text()}`);
}

interface Served {
  proc: ChildProcess;
  stderr(): string;
  endpoints: Map<string, { uri: string; token: string }>;
  stop(): Promise<void>;
}

/** A `sesame serve` the bench owns; stopped by its pid. */
async function serve(bin: string, env: Env, args: string[]): Promise<Served> {
  const proc = spawn(bin, ["serve", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<void>((ok) => proc.on("exit", () => ok()));
  const until = Date.now() + 60_000;
  while (!err.includes("sesame: serving")) {
    if (proc.exitCode !== null || Date.now() > until) throw new Error(`sesame serve did not start: ${err}`);
    await Bun.sleep(20);
  }
  const endpoints = new Map<string, { uri: string; token: string }>();
  let name = "";
  let uri = "";
  for (const line of out.split("\n")) {
    if (line.startsWith("# session ")) name = line.slice(10);
    else if (line.startsWith("AWS_CONTAINER_CREDENTIALS_FULL_URI=")) uri = line.slice(line.indexOf("=") + 1);
    else if (line.startsWith("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=")) endpoints.set(name, { uri, token: readFileSync(line.slice(line.indexOf("=") + 1), "utf8") });
  }
  return {
    proc,
    stderr: () => err,
    endpoints,
    stop: async () => {
      proc.kill("SIGTERM");
      await exited;
    },
  };
}

/** The floor: Bun's own HTTP server answering a constant JSON of the same shape, in its own process. */
async function floorServer(): Promise<{ url: string; proc: ChildProcess }> {
  const body = JSON.stringify({ AccessKeyId: "ASIA" + "X".repeat(16), SecretAccessKey: "s".repeat(40), Token: "t".repeat(600), Expiration: "2030-01-01T00:00:00Z", RoleArn: PROD_ROLE });
  const src = `const b = ${JSON.stringify(body)}; const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(b, { headers: { "Content-Type": "application/json" } }) }); console.log(s.port);`;
  const proc = spawn(process.execPath, ["-e", src], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((ok) => proc.stdout!.once("data", (d) => ok(String(d).trim())));
  return { url: `http://127.0.0.1:${port}/`, proc };
}

async function timed(url: string, headers: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(url, { headers });
  await r.arrayBuffer();
  const ms = performance.now() - t0;
  if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
  return ms;
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

export async function benchServer(opts: { bin: string; quick: boolean; log: (m: string) => void }): Promise<ServerBench> {
  const { bin, quick, log } = opts;
  const tmp = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), "sesame-bench-server-"));
  const emu = await startEmulator();
  const rows: ServerRow[] = [];
  const targets: ServerTarget[] = [];
  const notes: string[] = [];
  const figures: Record<string, unknown> = {};
  const owned: ChildProcess[] = [];
  try {
    const alice = emu.addUser({ userName: "alice", account: ACCT });
    emu.addRole({ arn: DEV_ROLE, trust: [alice.arn] });
    emu.addRole({ arn: PROD_ROLE, trust: [DEV_ROLE] });
    const chain = (margin: string) => `[defaults]\nregion = "eu-west-1"\nrefresh_margin = "${margin}"\n\n[session.alice]\ntype = "iam-user"\n\n[session.dev]\ntype = "assume-role"\nsource = "alice"\nrole_arn = "${DEV_ROLE}"\n\n[session.prod]\ntype = "assume-role"\nsource = "dev"\nrole_arn = "${PROD_ROLE}"\n`;

    // 1. Warm request latency against the floor, interleaved in batches.
    log("server: warm request latency (sesame serve vs Bun.serve constant JSON)");
    const env1 = home(tmp, "latency", chain("15m"), emu);
    await storeKey(bin, env1, "alice", alice.accessKeyId, alice.secretAccessKey);
    const s1 = await serve(bin, env1, ["--session", "prod"]);
    owned.push(s1.proc);
    const floor = await floorServer();
    owned.push(floor.proc);
    const ep = s1.endpoints.get("prod")!;
    const auth = { Authorization: ep.token };
    const batches = quick ? 10 : 40;
    const per = 100;
    const ours: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < 200; i++) {
      await timed(ep.uri, auth);
      await timed(floor.url, {});
    }
    for (let b = 0; b < batches; b++) {
      const first = b % 2 === 0;
      for (const which of first ? ["ours", "floor"] : ["floor", "ours"]) {
        for (let i = 0; i < per; i++) {
          if (which === "ours") ours.push(await timed(ep.uri, auth));
          else base.push(await timed(floor.url, {}));
        }
      }
    }
    rows.push({ key: "srvFloorP50", label: "Bun.serve constant JSON: request p50", samples: [quantile(base, 0.5)], unit: "ms", short: "Bun.serve p50" });
    rows.push({ key: "srvFloorP99", label: "Bun.serve constant JSON: request p99", samples: [quantile(base, 0.99)], unit: "ms", short: "Bun.serve p99" });
    rows.push({ key: "srvP50", label: "sesame serve: warm request p50", samples: [quantile(ours, 0.5)], unit: "ms", versus: "srvFloorP50" });
    rows.push({ key: "srvP99", label: "sesame serve: warm request p99", samples: [quantile(ours, 0.99)], unit: "ms", versus: "srvFloorP99" });
    const r50 = quantile(ours, 0.5) / quantile(base, 0.5);
    const r99 = quantile(ours, 0.99) / quantile(base, 0.99);
    targets.push({ name: "server warm request p50 ≤ 1.5× Bun.serve", ok: r50 <= 1.5, measured: `${r50.toFixed(2)}× (${quantile(ours, 0.5).toFixed(3)} vs ${quantile(base, 0.5).toFixed(3)} ms)` });
    targets.push({ name: "server warm request p99 ≤ 1.5× Bun.serve", ok: r99 <= 1.5, measured: `${r99.toFixed(2)}× (${quantile(ours, 0.99).toFixed(3)} vs ${quantile(base, 0.99).toFixed(3)} ms)` });
    figures.latency = { requests: ours.length, p50: quantile(ours, 0.5), p99: quantile(ours, 0.99), floorP50: quantile(base, 0.5), floorP99: quantile(base, 0.99) };
    await s1.stop();
    floor.proc.kill("SIGTERM");

    // 2. 20 concurrent clients × 1,000 requests while 8-second credentials renew.
    log("server: 20 concurrent clients × 1,000 requests during renewals");
    const env2 = home(tmp, "herd", chain("1s"), emu);
    await storeKey(bin, env2, "alice", alice.accessKeyId, alice.secretAccessKey);
    emu.state.credentialLifetimeOverride = 2;
    const s2 = await serve(bin, env2, ["--session", "prod"]);
    owned.push(s2.proc);
    emu.resetCalls();
    const ep2 = s2.endpoints.get("prod")!;
    const clients = 20;
    const each = 1000;
    let errors = 0;
    const keys = new Set<string>();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: clients }, async () => {
      for (let i = 0; i < each; i++) {
        try {
          const r = await fetch(ep2.uri, { headers: { Authorization: ep2.token } });
          const o = (await r.json()) as { AccessKeyId?: string };
          if (r.status !== 200 || !o.AccessKeyId) errors++;
          else keys.add(o.AccessKeyId);
        } catch {
          errors++;
        }
      }
    }));
    const wall = performance.now() - t0;
    await s2.stop();
    emu.state.credentialLifetimeOverride = undefined;
    const gst = emu.callsFor("GetSessionToken").length;
    const assume = emu.callsFor("AssumeRole");
    const dev = assume.filter((c) => String(c.params.RoleArn) === DEV_ROLE).length;
    const prod = assume.filter((c) => String(c.params.RoleArn) === PROD_ROLE).length;
    const renewals = keys.size - 1; // the credentials first served came from before the reset
    rows.push({ key: "srvHerd", label: `sesame serve: ${clients} clients × ${each} requests (wall)`, samples: [wall], unit: "ms" });
    targets.push({ name: `server ${clients}×${each} concurrent: no error`, ok: errors === 0, measured: `${errors} errors in ${clients * each} requests, ${Math.round((clients * each) / (wall / 1000))} requests/s` });
    const onePerHop = renewals === 0 ? null : gst === dev && dev === prod && prod >= renewals && prod <= renewals + 1;
    targets.push({ name: "server: one upstream call per hop per renewal", ok: onePerHop, measured: `GetSessionToken/dev/prod = ${gst}/${dev}/${prod} for ${renewals} renewals seen by the clients (${keys.size} distinct credentials)` });
    figures.herd = { clients, each, errors, wallMs: wall, upstream: { GetSessionToken: gst, dev, prod }, distinctCredentials: keys.size };

    // 3. Memory: 50 sessions renewing short credentials.
    const sessions = 50;
    const seconds = quick ? 15 : 60;
    log(`server: memory of ${sessions} sessions renewing 4-second credentials for ${seconds} s`);
    // Assume-role sessions from one iam-user whose session token is fetched first, with its normal
    // 12-hour life: the renewals are then role hops only and never open the keyring (the file keyring's
    // scrypt would add a 32 MiB transient per opening), so the figure is the server's own memory.
    let cat = `[defaults]\nregion = "eu-west-1"\nrefresh_margin = "2s"\n\n[session.alice]\ntype = "iam-user"\n`;
    for (let i = 0; i < sessions; i++) {
      const arn = `arn:aws:iam::${ACCT}:role/R${i}`;
      emu.addRole({ arn, trust: [alice.arn] });
      cat += `\n[session.r${i}]\ntype = "assume-role"\nsource = "alice"\nrole_arn = "${arn}"\n`;
    }
    const env3 = home(tmp, "memory", cat, emu);
    await storeKey(bin, env3, "alice", alice.accessKeyId, alice.secretAccessKey);
    const warm = Bun.spawn([bin, "credential-process", "alice"], { env: env3, stdout: "ignore", stderr: "pipe" });
    if ((await warm.exited) !== 0) throw new Error(`credential-process alice failed: ${await new Response(warm.stderr).text()}`);
    emu.state.credentialLifetimeOverride = 4;
    const names = Array.from({ length: sessions }, (_, i) => ["--session", `r${i}`]).flat();
    const s3 = await serve(bin, env3, names);
    owned.push(s3.proc);
    emu.resetCalls();
    const samples: number[] = [];
    let refused = 0;
    for (let t = 0; t < seconds; t++) {
      await Bun.sleep(1000);
      // a request per session, so the answer path is part of what is measured
      // (a keep-alive connection the server closed after its idle timeout may be reset once: retried, as SDKs do)
      await Promise.all([...s3.endpoints.values()].map((e) => {
        const once = () => fetch(e.uri, { headers: { Authorization: e.token } }).then((r) => {
          if (r.status !== 200) refused++;
          return r.arrayBuffer();
        });
        return once().catch(once);
      }));
      samples.push(rssKiB(s3.proc.pid!));
    }
    const renewed = emu.callsFor("AssumeRole").length;
    if (refused) throw new Error(`the memory server refused ${refused} requests: ${s3.stderr().trim().split("\n").slice(-3).join(" | ")}`);
    await s3.stop();
    emu.state.credentialLifetimeOverride = undefined;
    const settle = Math.min(5, samples.length - 1);
    const startRss = samples[settle]!;
    const peak = Math.max(...samples);
    const end = samples.at(-1)!;
    rows.push({ key: "srvMemPeak", label: `sesame serve: ${sessions} sessions, peak RSS over ${renewed} renewals`, samples: [peak / 1024], unit: "MiB" });
    rows.push({ key: "srvMemEnd", label: `sesame serve: ${sessions} sessions, RSS at the end`, samples: [end / 1024], unit: "MiB", versus: "srvMemStart" });
    rows.push({ key: "srvMemStart", label: `sesame serve: ${sessions} sessions, RSS after ${settle} s`, samples: [startRss / 1024], unit: "MiB", short: "RSS after warm-up" });
    const growth = (end - startRss) / startRss;
    targets.push({ name: `server memory flat over ${sessions} sessions' renewals (end ≤ 1.1× after warm-up)`, ok: growth <= 0.1, measured: `${(startRss / 1024).toFixed(1)} → ${(end / 1024).toFixed(1)} MiB, peak ${(peak / 1024).toFixed(1)} MiB, ${renewed} renewals in ${seconds} s` });
    figures.memory = { sessions, seconds, renewals: renewed, rssKiB: samples };
    notes.push("server memory: each session renewed every ~2 s; an hour of real 1-hour credentials with a 15-minute margin is ~1.3 renewals per session");
    return { rows, targets, notes, figures };
  } finally {
    for (const p of owned) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    await emu.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const bin = resolve(args.find((a) => !a.startsWith("--")) ?? join(import.meta.dir, "..", "..", "dist", "sesame"));
  const r = await benchServer({ bin, quick: args.includes("--quick"), log: (m) => process.stderr.write(`bench: ${m}\n`) });
  for (const row of r.rows) console.log(`${row.label}: ${row.samples[0]!.toFixed(3)} ${row.unit}`);
  for (const t of r.targets) console.log(`${t.ok === null ? "–" : t.ok ? "✓" : "✗"} ${t.name}: ${t.measured}`);
  for (const n of r.notes) console.log(`note: ${n}`);
}
