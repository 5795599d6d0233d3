// The cache decorator around one hop: single-flight.ts decides between the entry and a fetch.
import { deleteEntry } from "../store/cache.ts";
import { log } from "../log.ts";
import { singleFlight, type FlightOptions } from "./single-flight.ts";
import type { Deps, Provider } from "./types.ts";

/** A cached hop; `drop` removes its entry (AWS refused the credentials it holds: revoked or expired early). */
export type CachedProvider = Provider & { drop(): Promise<void> };

export function cached(hop: string, identity: string, d: Deps, o: FlightOptions, fetch: Provider): CachedProvider {
  const loc = { cacheDir: d.cacheDir, stateDir: d.stateDir };
  const get: Provider = () => singleFlight({ hop, identity, loc, env: d.env, now: d.now }, o, fetch);
  const drop = async (): Promise<void> => {
    const gone = await deleteEntry(loc, identity);
    log("cache entry dropped (refused by AWS)", { hop, gone });
  };
  return Object.assign(get, { drop });
}
