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
//
// The parts, one job each, under scripts/bench/: options.ts (command line, sizes), measure.ts (timing, RSS,
// quantiles, interleaving, the signed STS client), worlds.ts (binaries, floor, emulator, private HOMEs),
// rows.ts (the groups of rows, in order; a new group goes there), aws-cli.ts (the AWS CLI rows), report.ts
// (rows, targets, table, JSON) and main.ts (the run, clean-up included).
import { main } from "./bench/main.ts";

await main(process.argv.slice(2));
