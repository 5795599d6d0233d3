// Entry point and the one error boundary. `credential-process` (every SDK process calls it) goes
// straight to its small module; everything else loads the full CLI (cac) on demand.
// No node:fs here: stderr goes through console.error, which costs nothing extra on the warm path.
import { EXIT, SesameError } from "./errors.ts";

export async function main(argv: string[]): Promise<number> {
  // Only sesame's own flags: after "--" the words belong to the command `exec` runs.
  const dd = argv.indexOf("--");
  const verbose = (dd < 0 ? argv : argv.slice(0, dd)).includes("--verbose") || process.env.SESAME_VERBOSE === "1";
  if (verbose) (await import("./log.ts")).setVerbose(true);
  try {
    if (argv[0] === "credential-process") {
      const { credentialProcess } = await import("./commands/credential-process.ts");
      await credentialProcess(argv.slice(1));
      return EXIT.ok;
    }
    if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
      const { versionLine } = await import("./version.ts");
      console.log(versionLine());
      return EXIT.ok;
    }
    const { runCli } = await import("./cli.ts");
    return await runCli(argv);
  } catch (e) {
    return report(e, verbose);
  }
}

export function report(e: unknown, verbose: boolean): number {
  if (e instanceof SesameError) {
    console.error(e.toLine().replace(/\s+/g, " "));
    if (verbose && e.cause) console.error(`sesame: cause: ${String((e.cause as Error)?.stack ?? e.cause)}`);
    return e.exit;
  }
  const msg = ((e as Error)?.message ?? String(e)).split("\n")[0];
  console.error(`sesame: internal error: ${msg} (rerun with --verbose for details)`);
  if (verbose) console.error(`${(e as Error)?.stack ?? ""}`);
  return EXIT.internal;
}

process.exitCode = await main(process.argv.slice(2));
