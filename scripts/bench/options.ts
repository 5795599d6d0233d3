// The bench's command line and its fixed sizes: read once in main.ts and passed down, never changed after.
import { join, resolve } from "node:path";

export const USAGE = "usage: bun scripts/bench.ts [--quick] [--json] [--no-build | --bin PATH] [--strict]\n" +
  "  --quick     few rounds (a smoke run, ~10 s)\n  --json      machine-readable result on stdout (progress stays on stderr)\n" +
  "  --no-build  use dist/sesame as it is (built only if missing)\n  --bin PATH  measure this sesame binary instead of building dist/sesame\n" +
  "  --strict    exit 1 when a target is missed\n";

export const PARALLEL = 50;
export const LIST_SESSIONS = 500;
export const LIST_USERS = ["alice", "bob", "carol", "dave", "erin"];

export const ROOT = resolve(import.meta.dir, "..", "..");
export const BUN = process.execPath;
export const DIST_BIN = join(ROOT, "dist", "sesame");
export const AWS = "/usr/bin/aws";
export const TIME = "/usr/bin/time";
export const PASSPHRASE = "bench passphrase, not a secret";

export interface Rounds {
  fast: number;
  memory: number;
  cold: number;
  listEmpty: number;
  parallel: number;
  aws: number;
  awsCold: number;
}

export interface Options {
  quick: boolean;
  json: boolean;
  strict: boolean;
  noBuild: boolean;
  /** --bin PATH: measure this binary instead of building dist/sesame */
  otherBin?: string;
  rounds: Rounds;
}

/** The options, or what to print and the exit status (for --help and a bad command line). */
export function parseOptions(argv: string[]): Options | { exit: number; stdout?: string; stderr?: string } {
  const has = (flag: string) => argv.includes(flag);
  if (has("--help") || has("-h")) return { exit: 0, stdout: USAGE };
  const quick = has("--quick");
  const binFlag = argv.indexOf("--bin");
  const otherBin = binFlag >= 0 ? argv[binFlag + 1] : undefined;
  if (binFlag >= 0 && !otherBin) return { exit: 2, stderr: "bench: --bin needs a path\n" };
  return {
    quick,
    json: has("--json"),
    strict: has("--strict"),
    noBuild: has("--no-build"),
    ...(otherBin ? { otherBin } : {}),
    rounds: {
      fast: quick ? 8 : 40, // floor, warm ×2, list: a few ms each
      memory: quick ? 3 : 7,
      cold: quick ? 3 : 12,
      listEmpty: quick ? 2 : 5,
      parallel: quick ? 1 : 5, // the herd is the noisiest item: other processes on the machine change it most
      aws: quick ? 2 : 8,
      awsCold: quick ? 1 : 3,
    },
  };
}

export const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
