// The cache decorator around one hop: a hit within refresh_margin is served; otherwise take the hop's
// lock, re-read (another process may have just fetched), and only then call upstream and store.
import { deleteEntry, entryLockPath, isFresh, readEntry, writeEntry } from "../store/cache.ts";
import { hopLockOptions, withLock } from "../store/lock.ts";
import { CLOCK_FIX } from "../aws/errors.ts";
import { EXIT, SesameError } from "../errors.ts";
import { log } from "../log.ts";
import type { Credentials, Deps, Provider } from "./types.ts";

/** A cached hop; `drop` removes its entry (AWS refused the credentials it holds: revoked or expired early). */
export type CachedProvider = Provider & { drop(): Promise<void> };

export function cached(hop: string, identity: string, d: Deps, fetch: Provider): CachedProvider {
  const get = async (): Promise<Credentials> => {
    if (d.cacheOff) return fetch();
    const loc = { cacheDir: d.cacheDir, stateDir: d.stateDir };
    const hit = await readEntry(loc, identity);
    if (isFresh(hit, d.now(), d.refreshMargin)) {
      log("cache hit", { hop, expires: hit.expiration });
      return hit;
    }
    log(hit ? "cache entry within the refresh margin" : "cache miss", { hop });
    const lockPath = await entryLockPath(loc, identity);
    const underLock = async (): Promise<Credentials> => {
      const again = await readEntry(loc, identity);
      if (isFresh(again, d.now(), d.refreshMargin)) {
        log("fetched by another process meanwhile", { hop });
        return again;
      }
      const fresh = await fetch();
      if (fresh.expiration && fresh.expiration.getTime() <= d.now()) {
        // AWS says these are valid now, this machine says they have expired: its clock is ahead.
        const ahead = Math.round((d.now() - fresh.expiration.getTime()) / 60_000);
        throw new SesameError("clock", `the credentials for "${hop}" arrived already expired by this machine's clock (it is at least ${ahead} min ahead)`, EXIT.awsRefused, CLOCK_FIX);
      }
      await writeEntry(loc, identity, fresh);
      log("fetched", { hop, accessKeyId: fresh.accessKeyId, expires: fresh.expiration });
      return fresh;
    };
    // Already ours when credential-process took it before loading the chain: locks are not reentrant.
    return d.heldLocks?.has(lockPath) ? underLock() : withLock(lockPath, hopLockOptions(hop, d.env), underLock);
  };
  const drop = async (): Promise<void> => {
    const gone = await deleteEntry({ cacheDir: d.cacheDir, stateDir: d.stateDir }, identity);
    log("cache entry dropped (refused by AWS)", { hop, gone });
  };
  return Object.assign(get, { drop });
}
