// Where the catalog lives: --config, else $SESAME_CONFIG, else ${XDG_CONFIG_HOME:-~/.config}/sesame/sessions.toml.
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export function catalogPath(flag: string | undefined, env: Record<string, string | undefined> = process.env): string {
  if (flag) return resolve(flag);
  if (env.SESAME_CONFIG) return resolve(env.SESAME_CONFIG);
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config"), "sesame", "sessions.toml");
}

export function cacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.SESAME_CACHE_DIR) return resolve(env.SESAME_CACHE_DIR);
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache"), "sesame");
}

/** The cache key lives apart from the cache (see docs/cache.md): a copied cache folder is useless alone. */
export function stateDir(env: Record<string, string | undefined> = process.env): string {
  if (env.SESAME_STATE_DIR) return resolve(env.SESAME_STATE_DIR);
  return join(env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state"), "sesame");
}
