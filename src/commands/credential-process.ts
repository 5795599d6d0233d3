// The hot path. Statically imports no node: module, only smol-toml, catalog/*, the cache, the single flight
// and the JSON writer; the lock, the provider chain (and with it @aws-sdk/*, the keyring addon) load only
// on a miss.
import { NO_CATALOG_FIX, sessionNamed } from "../catalog/lookup.ts";
import { catalogFromTextMemo } from "../catalog/memo.ts";
import { hopMargins } from "../catalog/types.ts";
import { catalogPath, cacheDir, stateDir } from "../locations.ts";
import { currentIdentity } from "../credentials/identity.ts";
import { CatalogError, catalogMissing, SesameError, UsageError } from "../errors.ts";
import { readFileText } from "../runtime/read-file.ts";
import { credentialJson } from "../output/credential-json.ts";
import { singleFlight, type Flight } from "../credentials/single-flight.ts";
import type { Env } from "../types.ts";
import { recordAccess, type Outcome } from "../store/access-log.ts";

export interface CredentialProcessArgs {
  name: string;
  config?: string;
  noCache?: boolean;
  /** hidden: this process is the detached background renewal a call inside the refresh margin started */
  renew?: boolean;
}

/** `credential-process NAME [--config PATH] [--no-cache]`, parsed without cac to keep the hot path small. */
export function parseArgs(argv: string[]): CredentialProcessArgs {
  let name: string | undefined;
  let config: string | undefined;
  let noCache = false;
  let renew = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--config" || a === "-c") {
      config = argv[++i];
      if (!config) throw new UsageError("--config needs a path", "write --config PATH");
    } else if (a.startsWith("--config=")) config = a.slice(9);
    else if (a === "--no-cache") noCache = true;
    else if (a === "--renew") renew = true;
    else if (a === "--verbose") { /* main.ts turns the log on */ }
    // only the flag's name: the value after "=" may be a secret typed in the wrong place
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a.split("=")[0]} for credential-process`, "usage: sesame credential-process NAME [--config PATH] [--no-cache]");
    else if (name === undefined) name = a;
    else throw new UsageError("one argument too many (not shown, in case it is a secret)", "usage: sesame credential-process NAME");
  }
  if (!name) throw new UsageError("credential-process needs a session name", "usage: sesame credential-process NAME");
  const out: CredentialProcessArgs = { name, noCache };
  if (config !== undefined) out.config = config;
  if (renew) out.renew = true;
  return out;
}

export async function credentialProcess(argv: string[], env: Env = process.env): Promise<void> {
  const args = parseArgs(argv);
  const state = stateDir(env);
  const call: Call = {};
  try {
    await serve(args, env, call);
  } catch (e) {
    // only a session of the catalog is named: a word that is none may be a secret typed in the wrong place
    if (call.named) await recordAccess(state, env, { session: args.name, outcome: "error", code: e instanceof SesameError ? e.code : "internal" });
    throw e;
  }
  // after the answer is out: the caller has its credentials before the record is written
  if (call.took) await recordAccess(state, env, { session: args.name, outcome: call.took });
}

/** What `sesame log` records of a call. */
interface Call {
  named?: boolean;
  took?: Outcome;
}

async function serve(args: CredentialProcessArgs, env: Env, call: Call): Promise<void> {
  const took = (p: Outcome) => (call.took = p);
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
  call.named = true;
  const identity = await currentIdentity(cat, session, env, loc.stateDir);
  // The session's own single flight, run here so that a miss waits at its lock before the provider chain
  // (and the SDK) is loaded; the chain then fetches only what is upstream of it.
  const flight: Flight = { hop: session.name, identity, loc, env, now: Date.now };
  const fetch = async () => {
    await noCoreDumps();
    const { resolveSession } = await import("../credentials/resolve.ts");
    const got = await resolveSession(cat, session, env, { forceRefresh: !!args.noCache, upstreamOnly: true });
    // renewed: what a failed background renewal left for list and doctor no longer holds
    if (!args.renew) (await import("../store/renewal-state.ts")).clearRenewalFailure(loc.stateDir, session.name);
    return got;
  };
  const margins = hopMargins(session, cat.defaults);
  if (args.renew) {
    if (await renewInBackground(flight, margins.refreshMargin, fetch)) took("renewal");
    return;
  }
  let creds;
  try {
    creds = await singleFlight(flight, {
      refreshMargin: margins.refreshMargin,
      forceRefresh: !!args.noCache,
      renewFloor: margins.renewFloor,
      renewLater: () => startRenewal(args, loc.stateDir),
      took,
    }, fetch);
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

/**
 * Starts `sesame credential-process NAME --renew` detached (its own process group, stdio ignored, the same
 * environment), so it outlives this call and the AWS tool is not kept waiting for its output. Loaded only
 * here: a plain hit never imports node:child_process. Best effort: a renewal that cannot start is retried
 * by the next call inside the margin, and the synchronous path takes over below the floor.
 */
async function startRenewal(args: CredentialProcessArgs, stateDir: string): Promise<boolean> {
  try {
    // After a failure, not on every call: a failing endpoint is not hammered by every AWS tool's call.
    const held = (await import("../store/renewal-state.ts")).renewalHeldUntil(stateDir, args.name);
    if (held !== undefined && Date.now() < held) return false;
    const { spawn } = await import("node:child_process");
    const argv = ["credential-process", args.name, "--renew"];
    if (args.config !== undefined) argv.push("--config", args.config);
    // A compiled binary is its own entry; under `bun src/main.ts` (or node/deno) the script comes first.
    const script = process.argv[1];
    const compiled = !script || script.startsWith("/$bunfs/") || script.startsWith("B:\\~BUN") || script === process.execPath;
    const child = spawn(process.execPath, compiled ? argv : [script, ...argv], { detached: true, stdio: "ignore", env: process.env });
    child.on("error", () => {});
    child.unref();
    return true;
  } catch {
    return false; // best effort, see above
  }
}

/** The detached renewal: no prompt (nobody is there to answer), quiet, its outcome kept for list and doctor. */
async function renewInBackground(flight: Flight, refreshMargin: number, fetch: () => Promise<import("../types.ts").Credentials>): Promise<boolean> {
  (await import("../tty.ts")).forbidPrompts();
  const state = await import("../store/renewal-state.ts");
  const { renewNow } = await import("../credentials/single-flight.ts");
  try {
    const outcome = await renewNow(flight, { refreshMargin }, fetch);
    if (outcome === "renewed") state.clearRenewalFailure(flight.loc.stateDir, flight.hop);
    return outcome === "renewed";
  } catch (e) {
    const err = e instanceof SesameError ? e : undefined;
    const message = err ? err.message : `internal error: ${String((e as Error)?.message ?? e).split("\n")[0]}`;
    try {
      const last = state.lastRenewalFailure(flight.loc.stateDir, flight.hop);
      const count = (last ? (last.count ?? 1) : 0) + 1;
      state.recordRenewalFailure(flight.loc.stateDir, flight.hop, { at: new Date().toISOString(), code: err?.code ?? "internal", message, count });
    } catch { /* nowhere to say it */ }
    throw e;
  }
}
