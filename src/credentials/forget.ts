// After a root of trust changes (`secret set/delete`, `logout`): start a new generation, so nothing cached
// from the old key or sign-in is ever served again, then tidy the entries of the old generation away.
// Call it after the keyring has changed: a call that starts once this returns sees the new state.
import type { Catalog } from "../catalog/types.ts";
import { deleteEntry, type CacheLocation } from "../store/cache.ts";
import { bumpGeneration, rootKey } from "../store/generation.ts";
import { currentIdentity } from "./identity.ts";
import type { Env } from "../types.ts";

export async function forgetRoot(cat: Catalog, root: string, env: Env, loc: CacheLocation): Promise<number> {
  const old: string[] = [];
  for (const s of cat.sessions.values()) if (rootKey(cat, s) === root) old.push(await currentIdentity(cat, s, env, loc.stateDir));
  await bumpGeneration(loc.stateDir, root);
  let removed = 0;
  for (const id of old) if (await deleteEntry(loc, id)) removed++;
  return removed;
}
