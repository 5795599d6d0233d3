// Shared by every command that needs a session's credentials (credential-process on a miss, later exec, env, whoami).
import type { Catalog, Session } from "../catalog/types.ts";
import { providerFor } from "../credentials/chain.ts";
import { realDeps } from "../credentials/deps.ts";
import { readGeneration, rootKey } from "../store/generation.ts";
import type { Credentials } from "../credentials/types.ts";

export async function resolveSession(cat: Catalog, s: Session, env: Record<string, string | undefined>, noCache = false, heldLocks?: ReadonlySet<string>): Promise<Credentials> {
  const d = realDeps(cat, env);
  if (heldLocks) d.heldLocks = heldLocks;
  const { cacheFolderUsable } = await import("../store/cache-folder.ts");
  if (!cacheFolderUsable(d.cacheDir)) d.cacheOff = true;
  d.generation = await readGeneration(d.stateDir, rootKey(cat, s));
  // --no-cache: a margin longer than any credential's life makes every hop a miss, while still locking and storing.
  if (noCache) d.refreshMargin = 10 * 365 * 86400;
  return providerFor(s, cat, d)();
}
