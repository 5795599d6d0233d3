// The one single flight of a cached hop: a fresh entry is served; otherwise wait at the hop's lock,
// re-read (another process may have just fetched), and only then fetch and store. Used by every cached hop
// (cached.ts) and by credential-process for the session itself, before the provider chain is even loaded:
// a hit loads no lock module and no SDK, and of 50 processes started together on a miss only the one that
// fetches pays for loading the chain; the others wait at the lock, cheaply, and read its entry.
import { EXIT, SesameError } from "../errors.ts";
import { log } from "../log.ts";
import { entryLockPath, isFresh, readEntry, writeEntry, type CacheLocation } from "../store/cache.ts";
import type { Credentials, Env } from "../types.ts";

/** What one call decides, apart from the effects (aws-vault's ForceNewSession is the model). */
export interface FlightOptions {
  /** seconds before expiry at which a cached entry is renewed ([defaults] refresh_margin) */
  refreshMargin: number;
  /** --no-cache: every hop is a miss, while still locking and storing what it fetches */
  forceRefresh?: boolean;
  /** the cache folder is known to be unusable (store/cache-folder.ts): fetch, lock and store nothing */
  cacheOff?: boolean;
  /** seconds: an entry inside the refresh margin with more than this left is served as it is, and
   *  `renewLater` starts its renewal in the background (credential-process only; [defaults] renew_floor) */
  renewFloor?: number;
  /** false: not started (a failing renewal is held back for a while, store/renewal-state.ts) */
  renewLater?: () => Promise<boolean>;
  /** told which path the call took (for `sesame log`) */
  took?: (path: "hit" | "stale-served" | "miss") => void;
}

/** One hop's place in the cache. */
export interface Flight {
  hop: string;
  identity: string;
  loc: CacheLocation;
  env: Env;
  now(): number;
}

export async function singleFlight(f: Flight, o: FlightOptions, fetch: () => Promise<Credentials>): Promise<Credentials> {
  if (o.cacheOff) {
    o.took?.("miss");
    return fetch();
  }
  const fresh = (c: Credentials | undefined): c is Credentials => !o.forceRefresh && isFresh(c, f.now(), o.refreshMargin);
  const hit = await readEntry(f.loc, f.identity);
  if (fresh(hit)) {
    log("cache hit", { hop: f.hop, expires: hit.expiration });
    o.took?.("hit");
    return hit;
  }
  if (hit && o.renewLater && !o.forceRefresh && isFresh(hit, f.now(), o.renewFloor ?? 0)) {
    // stale-while-revalidate: still good for longer than the floor, so the caller does not wait for AWS
    // only the start: the renewal itself runs in another process
    if (await o.renewLater()) log("stale served, renewal started", { hop: f.hop });
    else log("stale served; the last background renewal failed, the next one waits a while", { hop: f.hop });
    o.took?.("stale-served");
    return hit;
  }
  log(hit ? "cache entry within the refresh margin" : "cache miss", { hop: f.hop });
  // Asked only on a miss: a folder that cannot be used means no cache at all, and a warning once.
  const { cacheFolderUsable } = await import("../store/cache-folder.ts");
  if (!cacheFolderUsable(f.loc.cacheDir)) {
    o.took?.("miss");
    return fetch();
  }
  const { withLock, hopLockOptions } = await import("../store/lock.ts");
  // While another process fetches, each wake-up reads the entry: once it is there, return it without
  // taking the lock (49 waiters of a herd would otherwise take it one after another).
  let meanwhile: Credentials | undefined;
  const doneWaiting = async () => {
    const c = await readEntry(f.loc, f.identity);
    if (!fresh(c)) return false;
    meanwhile = c;
    return true;
  };
  return withLock(await entryLockPath(f.loc, f.identity), { ...hopLockOptions(f.hop, f.env), doneWaiting }, async () => {
    // set only when the wait ended without the lock: served as it was found, never fetched here
    const again = meanwhile ?? (await readEntry(f.loc, f.identity));
    if (again && (meanwhile || fresh(again))) {
      log("fetched by another process meanwhile", { hop: f.hop });
      o.took?.("hit");
      return again;
    }
    const got = await fetch();
    if (got.expiration && got.expiration.getTime() <= f.now()) {
      // AWS says these are valid now, this machine says they have expired: its clock is ahead.
      const ahead = Math.round((f.now() - got.expiration.getTime()) / 60_000);
      const { CLOCK_FIX } = await import("../aws/errors.ts"); // not on the hot path
      throw new SesameError("clock", `the credentials for "${f.hop}" arrived already expired by this machine's clock (it is at least ${ahead} min ahead)`, EXIT.awsRefused, CLOCK_FIX);
    }
    await writeEntry(f.loc, f.identity, got);
    log("fetched", { hop: f.hop, accessKeyId: got.accessKeyId, expires: got.expiration });
    o.took?.("miss");
    return got;
  });
}

/**
 * The background renewal (`credential-process NAME --renew`): take the hop's lock without waiting (held
 * means another process is fetching it already: nothing to do), re-read, and fetch and store like a miss.
 * "busy" and "fresh" are quiet outcomes; a failure is thrown for the caller to record.
 */
export async function renewNow(f: Flight, o: FlightOptions, fetch: () => Promise<Credentials>): Promise<"busy" | "fresh" | "renewed"> {
  const { acquire, hopLockOptions } = await import("../store/lock.ts");
  let release: () => void;
  try {
    release = await acquire(await entryLockPath(f.loc, f.identity), { ...hopLockOptions(f.hop, f.env), timeoutMs: 0, what: `renewing "${f.hop}" in the background` });
  } catch (e) {
    if (e instanceof SesameError && e.code === "busy") return "busy";
    throw e;
  }
  try {
    if (isFresh(await readEntry(f.loc, f.identity), f.now(), o.refreshMargin)) return "fresh";
    const got = await fetch();
    if (got.expiration && got.expiration.getTime() <= f.now()) throw new SesameError("clock", `the credentials for "${f.hop}" arrived already expired by this machine's clock`, EXIT.awsRefused);
    await writeEntry(f.loc, f.identity, got);
    log("renewed in the background", { hop: f.hop, accessKeyId: got.accessKeyId, expires: got.expiration });
    return "renewed";
  } finally {
    release();
  }
}
