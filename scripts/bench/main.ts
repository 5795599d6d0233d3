// The bench's run: options, the temporary folder and its clean-up, the binaries and worlds, the rows
// (rows.ts, aws-cli.ts) in order, the targets, then the text table or --json. See scripts/bench.ts.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { awsCli } from "./aws-cli.ts";
import { runner } from "./measure.ts";
import { AWS, log, PARALLEL, parseOptions, type Options } from "./options.ts";
import { fmt, itemsJson, machine, newReport, renderTable } from "./report.ts";
import { cold, listEmpty, memory, parallel, targets, warmAndList, type Bench } from "./rows.ts";
import { binaryUnderTest, buildFloor, buildWorlds } from "./worlds.ts";

async function bench(opts: Options, tmp: string, cleanups: Array<() => Promise<void> | void>): Promise<void> {
  const started = performance.now();
  const info = machine();
  const r = runner(tmp);
  const report = newReport();

  // 1. Binaries: sesame from the working tree, and the floor with the same flags as scripts/build.ts.
  const { bin, built } = await binaryUnderTest(opts, tmp);
  const floor = await buildFloor(join(tmp, "floor"), r);

  // 2. The emulator and the worlds.
  const worlds = await buildWorlds(tmp, bin, r, cleanups, report.notes);
  const b: Bench = { opts, r, report, bin, floor, worlds };

  // 3.–6. The rows, in the table's order.
  await warmAndList(b);
  await memory(b);
  await cold(b);
  await listEmpty(b);
  const perHop = await parallel(b);

  // 6b. The credentials server (sesame serve): its rows, targets and notes come from server.ts.
  log("credentials server (scripts/bench/server.ts)");
  const server = await (await import("./server.ts")).benchServer({ bin, quick: opts.quick, log });
  for (const row of server.rows) report.record(row.key, row.label, row.samples, { unit: row.unit, versus: row.versus, short: row.short });
  report.notes.push(...server.notes);

  // 7. The AWS CLI, resolving the same chain its own way, pointed at the emulator.
  let awsInfo: Record<string, unknown> = { installed: false };
  if (existsSync(AWS)) awsInfo = await awsCli(b, tmp);
  else report.notes.push(`AWS CLI not measured: ${AWS} not found`);

  // 8. Targets.
  targets(b, perHop);
  report.targets.push(...server.targets);

  const { med } = report;
  const osWorld = worlds.osWorld;
  const elapsed = (performance.now() - started) / 1000;
  const result = {
    machine: info,
    binary: built,
    keyring: `file (SESAME_KEYRING=file, SESAME_FILE_PASSPHRASE)${osWorld ? " and OS (Secret Service over D-Bus) for cold calls" : ""}`,
    rounds: opts.rounds,
    quick: opts.quick,
    elapsedSeconds: Math.round(elapsed),
    items: itemsJson(report),
    derived: {
      coldMinusRttFileMs: med("coldFile") - med("rtt"),
      ...(osWorld ? { coldMinusRttOsMs: med("coldOs") - med("rtt") } : {}),
      parallelUpstreamCallsPerRound: perHop,
    },
    aws: awsInfo,
    targets: report.targets,
    notes: report.notes,
  };
  if (opts.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  } else {
    const out: string[] = [];
    out.push(`sesame bench — ${info.nproc} cores, ${info.cpu}, Bun ${info.bun}, ${info.os}${opts.quick ? " (--quick)" : ""}`);
    out.push(`binary: ${built}; secrets: ${result.keyring}`);
    out.push("");
    out.push(renderTable(report));
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
    for (const t of report.targets) out.push(`  ${t.ok === null ? "–" : t.ok ? "✓" : "✗"} ${t.name}: ${t.measured}`);
    for (const n of report.notes) out.push(`note: ${n}`);
    out.push(`(${Math.round(elapsed)} s)`);
    process.stdout.write(out.join("\n") + "\n");
  }
  if (opts.strict && report.targets.some((t) => t.ok === false)) process.exitCode = 1;
}

/** Parses the command line, runs the bench, and always cleans up (on SIGINT/SIGTERM too). */
export async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  if ("exit" in opts) {
    if (opts.stdout) process.stdout.write(opts.stdout);
    if (opts.stderr) process.stderr.write(opts.stderr);
    process.exit(opts.exit);
  }
  const tmp = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), "sesame-bench-"));
  const cleanups: Array<() => Promise<void> | void> = [];
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (e) {
        log(`cleanup: ${(e as Error).message}`);
      }
    }
    rmSync(tmp, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    await bench(opts, tmp, cleanups);
  } catch (e) {
    log(`failed: ${(e as Error).stack ?? e}`);
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}
