// sesame log [--session NAME] [--since 2h] [--json]: who on this machine got which session's credentials,
// and when, from the record credential-process keeps (store/access-log.ts).
import { writeSync } from "node:fs";
import { stateDir } from "../locations.ts";
import { parseDuration } from "../catalog/validate.ts";
import { UsageError } from "../errors.ts";
import { readAccessLog } from "../store/access-log.ts";
import { forTerminal } from "../output/sanitize.ts";
import { renderTable } from "../output/table.ts";
import type { Env } from "../types.ts";

export async function showLog(opts: { session?: string; since?: string; json?: boolean }, env: Env = process.env, now = Date.now()): Promise<void> {
  let from = -Infinity;
  if (opts.since !== undefined) {
    const secs = parseDuration(String(opts.since));
    if (secs === undefined) throw new UsageError(`--since ${JSON.stringify(String(opts.since))} is not a duration`, "write e.g. --since 2h (units s, m, h)");
    from = now - secs * 1000;
  }
  const records = (await readAccessLog(stateDir(env))).filter((r) => (opts.session === undefined || r.session === String(opts.session)) && Date.parse(r.t) >= from);
  if (opts.json) {
    writeSync(1, records.map((r) => JSON.stringify(r) + "\n").join(""));
    return;
  }
  if (records.length === 0) {
    writeSync(1, "no records\n");
    return;
  }
  const rows = records.map((r) => [r.t, r.session, r.code ? `${r.outcome} (${r.code})` : r.outcome, `${r.exe ?? "?"} (${r.ppid})`, r.cwd ?? "-"].map((c) => forTerminal(String(c))));
  writeSync(1, renderTable(["TIME", "SESSION", "OUTCOME", "CALLER", "FOLDER"], rows));
}
