// Shared by every command that needs a session's credentials (credential-process on a miss, later exec, env, whoami).
import type { Catalog, Session } from "../catalog/types.ts";
import { providerFor, upstreamFetch } from "./chain.ts";
import { realDeps } from "./deps.ts";
import { readGeneration, rootKey } from "../store/generation.ts";
import type { ChainOptions, Credentials, Deps } from "./types.ts";
import { writeSync } from "node:fs";
import { REVOKED_CODES } from "../aws/errors.ts";
import { AwsRefused } from "../errors.ts";
import type { Env } from "../types.ts";

export interface ResolveOptions {
  /** --no-cache: every hop fetches anew (and still locks and stores) */
  forceRefresh?: boolean;
  /** the caller runs the session's own single flight (credential-process): resolve only its fetch */
  upstreamOnly?: boolean;
}

export async function resolveSession(cat: Catalog, s: Session, env: Env, r: ResolveOptions = {}): Promise<Credentials> {
  const { d, o } = await sessionDeps(cat, s, env);
  if (r.forceRefresh) o.forceRefresh = true;
  return r.upstreamOnly ? upstreamFetch(s, cat, d, o)() : providerFor(s, cat, d, o)();
}

/** The effects for resolving `s`, and the call's options: its root's generation, and no cache when the
 *  cache folder cannot be used. */
async function sessionDeps(cat: Catalog, s: Session, env: Env): Promise<{ d: Deps; o: ChainOptions }> {
  const d = realDeps(cat, env);
  const { cacheFolderUsable } = await import("../store/cache-folder.ts");
  const o: ChainOptions = { refreshMargin: cat.defaults.refreshMargin, generation: await readGeneration(d.stateDir, rootKey(cat, s)) };
  if (!cacheFolderUsable(d.cacheDir)) o.cacheOff = true;
  return { d, o };
}

/**
 * Runs `use` with the session's credentials. When AWS refuses them as expired or unknown (revoked or cut
 * short at AWS while sesame still had them cached), the session's cache entry is dropped, the user told, and
 * `use` runs once more with freshly fetched ones: no refused entry is served again.
 */
export async function withSessionCredentials<T>(cat: Catalog, s: Session, env: Env, use: (c: Credentials) => Promise<T>): Promise<T> {
  const { d, o } = await sessionDeps(cat, s, env);
  const hop = providerFor(s, cat, d, o);
  const creds = await hop();
  try {
    return await use(creds);
  } catch (e) {
    if (!creds.sessionToken || !(e instanceof AwsRefused) || !REVOKED_CODES.has(e.awsCode)) throw e;
    await hop.drop();
    writeSync(2, `sesame: AWS refused the cached credentials of "${s.name}" (${e.awsCode}): dropped them, fetching new ones\n`);
    try {
      return await use(await hop());
    } catch (again) {
      // refused again: do not leave that entry behind either
      if (again instanceof AwsRefused && REVOKED_CODES.has(again.awsCode)) await hop.drop();
      throw again;
    }
  }
}
