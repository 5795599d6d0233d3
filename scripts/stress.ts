// npm run stress: the long forms of the hardening tests (test/hardening/), then a table of their figures.
//
//   bun scripts/stress.ts [--short] [--seed N] [--no-build] [bun test args…]
//
// It builds dist/sesame (as npm test does), then runs `bun test test/hardening` inside a private D-Bus
// session with a throwaway gnome-keyring (scripts/with-keyring.sh), with
//   HARDENING_STRESS=1   the long counts: ≥ 200 crash trials, ≥ 10,000 cases per property, every byte flipped …
//   HARDENING_REPORT     a file where every test appends its figures (trials, failures, cases)
//   HARDENING_SEED       one seed for every random choice (printed, so a run can be replayed)
// and prints one row per figure, the totals, and the tests that failed. The exit status is 1 when a test
// failed (or the run itself broke), else 0.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Figure } from "../test/hardening/support.ts";

const root = resolve(import.meta.dir, "..");
const bun = join(root, "node_modules", ".bin", "bun");

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(name);
  if (i < 0) return false;
  argv.splice(i, 1);
  return true;
};
const short = flag("--short");
const noBuild = flag("--no-build");
let seed = String(Date.now() % 1_000_000);
const si = argv.indexOf("--seed");
if (si >= 0) {
  seed = argv[si + 1] ?? seed;
  argv.splice(si, 2);
}

const work = mkdtempSync(join(tmpdir(), "sesame-stress-"));
const report = join(work, "figures.jsonl");
const junit = join(work, "junit.xml");

if (!noBuild) {
  const b = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
  if (b.status !== 0) {
    console.error("stress: the build failed (npm run build)");
    process.exit(1);
  }
}

const env: Record<string, string> = { ...(process.env as Record<string, string>), HARDENING_REPORT: report, HARDENING_SEED: seed };
if (!short) env.HARDENING_STRESS = "1";
const started = performance.now();
// One `bun test` per file, each in its own private D-Bus session and gnome-keyring: a keyring daemon that a
// file's load upsets (as OSKR-RACE once did, docs/security.md) cannot fail the files after it.
const files = argv.length ? [argv] : readdirSync(join(root, "test", "hardening")).filter((f) => f.endsWith(".test.ts")).sort().map((f) => [`test/hardening/${f}`]);
const statuses: number[] = [];
const junits: string[] = [];
for (const [i, args] of files.entries()) {
  const out = `${junit}.${i}`;
  junits.push(out);
  console.error(`stress: bun test ${args.join(" ")} (${short ? "short" : "long"} forms, seed ${seed})`);
  const t = spawnSync("bash", [join(root, "scripts", "with-keyring.sh"), bun, "test", "--reporter=junit", `--reporter-outfile=${out}`, ...args], {
    cwd: root,
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  statuses.push(t.status ?? 1);
}
const seconds = (performance.now() - started) / 1000;

const figures: Figure[] = existsSync(report)
  ? readFileSync(report, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Figure)
  : [];

// The runner's own verdicts, from its JUnit report.
interface Case {
  name: string;
  failed: boolean;
  skipped: boolean;
}
const cases: Case[] = [];
for (const file of junits) {
  if (!existsSync(file)) continue;
  const xml = readFileSync(file, "utf8");
  const re = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m; (m = re.exec(xml)); ) {
    const name = (/\bname="([^"]*)"/.exec(m[1]!)?.[1] ?? "?").replace(/&quot;/g, '"').replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&#39;|&apos;/g, "'");
    const body = m[3] ?? "";
    cases.push({ name, failed: /<(failure|error)\b/.test(body), skipped: /<skipped\b/.test(body) });
  }
}

// ---- the table -------------------------------------------------------------------------------------------
const rows = figures.map((f) => [f.area, f.what, String(f.trials), String(f.failures), f.cases === undefined ? "-" : String(f.cases)]);
const head = ["AREA", "WHAT", "TRIALS", "FAILURES", "CASES"];
const widths = head.map((h, i) => Math.min(i === 1 ? 92 : 40, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
const cell = (s: string, i: number) => (s.length > widths[i]! ? `${s.slice(0, widths[i]! - 1)}…` : i >= 2 ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
const line = (r: string[]) => r.map(cell).join("  ");
console.log("");
console.log(`sesame stress — seed ${seed}, ${short ? "short" : "long"} forms, ${seconds.toFixed(0)} s`);
console.log(line(head));
for (const r of rows) console.log(line(r));
const sum = (k: "trials" | "failures" | "cases") => figures.reduce((n, f) => n + (f[k] ?? 0), 0);
console.log(line(["TOTAL", "", String(sum("trials")), String(sum("failures")), String(sum("cases"))]));
const notes = figures.filter((f) => f.note);
if (notes.length) {
  console.log("");
  console.log("notes:");
  for (const f of notes) console.log(`  ${f.what}: ${f.note}`);
}

// ---- the verdict -----------------------------------------------------------------------------------------
const failed = cases.filter((c) => c.failed);
console.log("");
console.log(`tests: ${cases.length - failed.length - cases.filter((c) => c.skipped).length} passed, ${failed.length} failed, ${cases.filter((c) => c.skipped).length} skipped`);
for (const c of failed) console.log(`  FAILED: ${c.name}`);
const broken = statuses.some((st) => st !== 0) && failed.length === 0;
if (broken) console.log(`stress: bun test exited with status ${statuses.join(", ")} and no failed test in its report`);
if (cases.length === 0) console.log("stress: no test ran");
rmSync(work, { recursive: true, force: true });
process.exit(failed.length > 0 || broken || cases.length === 0 ? 1 : 0);
