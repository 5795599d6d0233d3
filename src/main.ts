// Entry point and the one error boundary. `credential-process` (every SDK process calls it) goes
// straight to its small module; everything else loads the full CLI (cac) on demand.
// No node:fs here: stderr goes through console.error, which costs nothing extra on the warm path.
import { EXIT, SesameError } from "./errors.ts";
import { forTerminal, forTerminalBlock } from "./output/sanitize.ts";


export async function main(argv: string[]): Promise<number> {
  // Only sesame's own flags: after "--" the words belong to the command `exec` runs.
  const dd = argv.indexOf("--");
  const own = dd < 0 ? argv : argv.slice(0, dd);
  const verbose = own.includes("--verbose") || process.env.SESAME_VERBOSE === "1";
  if (verbose) (await import("./log.ts")).setVerbose(true);
  try {
    const fast = credentialProcessArgs(argv);
    if (fast) {
      const { credentialProcess } = await import("./commands/credential-process.ts");
      await credentialProcess(fast);
      return EXIT.ok;
    }
    const listing = listArgs(argv);
    if (listing) {
      // as cli.ts does for list: core dumps are turned off by list itself, before it opens a keyring
      await (await import("./commands/list.ts")).list(listing);
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

/**
 * The arguments of `credential-process` when the fast path can take it: the global flags (--config PATH,
 * --verbose) may stand before the command as well as after it and mean the same. With --help, or anything
 * else before the command, cac answers (help, or one usage line).
 */
export function credentialProcessArgs(argv: string[]): string[] | undefined {
  const globals: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--verbose" || a.startsWith("--config=")) globals.push(a);
    else if (a === "--config") {
      if (i + 1 >= argv.length) return undefined;
      globals.push(a, argv[++i]!);
    } else break;
  }
  if (argv[i] !== "credential-process") return undefined;
  const rest = argv.slice(i + 1);
  if (rest.some((a) => a === "--help" || a === "-h")) return undefined;
  // the global ones first: a flag after the command wins, as parseArgs keeps the last
  return [...globals, ...rest];
}

/**
 * `list` with nothing but --json (after it), --config PATH and --verbose: taken without cac, whose set-up of
 * every command costs ~0.2x of the floor, a tenth of a `list` over 500 sessions (docs/performance.md).
 * Anything else (--help, an unknown or repeated flag, another word) goes to cac, which says what is wrong.
 */
export function listArgs(argv: string[]): { config?: string; json?: boolean } | undefined {
  let config: string | undefined;
  let json = false;
  let seen = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "list" && !seen) seen = true;
    else if (a === "--json" && seen && !json) json = true;
    else if (a === "--verbose") continue;
    else if (a === "--config" && config === undefined && i + 1 < argv.length && argv[i + 1] !== "") config = argv[++i];
    else if (a.startsWith("--config=") && config === undefined && a.length > "--config=".length) config = a.slice("--config=".length);
    else return undefined;
  }
  if (!seen) return undefined;
  return { ...(config !== undefined ? { config } : {}), ...(json ? { json } : {}) };
}

export function report(e: unknown, verbose: boolean): number {
  if ((e as { code?: unknown })?.code === "EPIPE") return EXIT.closedPipe; // the reader left: nothing to say
  if (e instanceof SesameError) {
    console.error(forTerminal(e.toLine().replace(/\s+/g, " ")));
    if (verbose && e.cause) console.error(forTerminalBlock(`sesame: cause: ${String((e.cause as Error)?.stack ?? e.cause)}`));
    return e.exit;
  }
  const msg = ((e as Error)?.message ?? String(e)).split("\n")[0]!;
  console.error(forTerminal(`sesame: internal error: ${msg} (rerun with --verbose for details)`));
  if (verbose) console.error(forTerminalBlock(`${(e as Error)?.stack ?? ""}`));
  return EXIT.internal;
}

process.exitCode = await main(process.argv.slice(2));
