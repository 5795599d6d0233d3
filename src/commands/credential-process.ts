// The hot path. Statically imports no node: module, only smol-toml, catalog/*, the cache, the single flight
// and the JSON writer; the lock, the provider chain (and with it @aws-sdk/*, the keyring addon) load only
// on a miss.
import { NO_CATALOG_FIX, sessionNamed } from "../catalog/catalog.ts";
import { catalogFromTextMemo } from "../catalog/memo.ts";
import { catalogPath, cacheDir, stateDir } from "../locations.ts";
import { currentIdentity } from "../credentials/identity.ts";
import { CatalogError, catalogMissing, SesameError, UsageError } from "../errors.ts";
import { readFileText } from "../runtime/read-file.ts";
import { credentialJson } from "../output/credential-json.ts";
import { singleFlight } from "../credentials/single-flight.ts";
import type { Env } from "../types.ts";

export interface CredentialProcessArgs {
  name: string;
  config?: string;
  noCache?: boolean;
}

/** `credential-process NAME [--config PATH] [--no-cache]`, parsed without cac to keep the hot path small. */
export function parseArgs(argv: string[]): CredentialProcessArgs {
  let name: string | undefined;
  let config: string | undefined;
  let noCache = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--config" || a === "-c") {
      config = argv[++i];
      if (!config) throw new UsageError("--config needs a path", "write --config PATH");
    } else if (a.startsWith("--config=")) config = a.slice(9);
    else if (a === "--no-cache") noCache = true;
    else if (a === "--verbose") { /* main.ts turns the log on */ }
    // only the flag's name: the value after "=" may be a secret typed in the wrong place
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a.split("=")[0]} for credential-process`, "usage: sesame credential-process NAME [--config PATH] [--no-cache]");
    else if (name === undefined) name = a;
    else throw new UsageError("one argument too many (not shown, in case it is a secret)", "usage: sesame credential-process NAME");
  }
  if (!name) throw new UsageError("credential-process needs a session name", "usage: sesame credential-process NAME");
  const out: CredentialProcessArgs = { name, noCache };
  if (config !== undefined) out.config = config;
  return out;
}

export async function credentialProcess(argv: string[], env: Env = process.env): Promise<void> {
  const args = parseArgs(argv);
  const file = catalogPath(args.config, env);
  let text: string | undefined;
  try {
    text = await readFileText(file);
  } catch (e) {
    throw new CatalogError(file, undefined, `cannot read the catalog (${(e as { code?: string }).code ?? "error"})`, "check the file's permissions");
  }
  if (text === undefined) throw catalogMissing(file, NO_CATALOG_FIX);
  const loc = { cacheDir: cacheDir(env), stateDir: stateDir(env) };
  const cat = await catalogFromTextMemo(file, text, loc.stateDir);
  const session = sessionNamed(cat, args.name);
  const identity = await currentIdentity(cat, session, env, loc.stateDir);
  // The session's own single flight, run here so that a miss waits at its lock before the provider chain
  // (and the SDK) is loaded; the chain then fetches only what is upstream of it.
  const flight = { hop: session.name, identity, loc, env, now: Date.now };
  let creds;
  try {
    creds = await singleFlight(flight, { refreshMargin: cat.defaults.refreshMargin, forceRefresh: !!args.noCache }, async () => {
      await noCoreDumps();
      const { resolveSession } = await import("../credentials/resolve.ts");
      return resolveSession(cat, session, env, { forceRefresh: !!args.noCache, upstreamOnly: true });
    });
  } catch (e) {
    // the lock or the clock, at this hop: said with its session, as the chain's own errors are
    if (e instanceof SesameError) e.at(session.name);
    throw e;
  }
  writeOut(credentialJson(creds));
}

/** console.log is the cheapest way to stdout in a compiled Bun binary (docs/performance.md). */
function writeOut(line: string): void {
  console.log(line.endsWith("\n") ? line.slice(0, -1) : line);
}

/** Before the miss path loads a long-lived secret (not on a hit: it costs ~2 ms, runtime/no-core-dump.ts). */
async function noCoreDumps(): Promise<void> {
  await (await import("../runtime/no-core-dump.ts")).disableCoreDumps();
}
