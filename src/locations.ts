// Where the catalog lives: --config, else $SESAME_CONFIG, else ${XDG_CONFIG_HOME:-~/.config}/sesame/sessions.toml.
import { absolutePath, homeDir, joinPath } from "./runtime/paths.ts";

export function catalogPath(flag: string | undefined, env: Record<string, string | undefined> = process.env): string {
  if (flag) return absolutePath(flag);
  if (env.SESAME_CONFIG) return absolutePath(env.SESAME_CONFIG);
  return joinPath(env.XDG_CONFIG_HOME || joinPath(homeDir(env), ".config"), "sesame", "sessions.toml");
}

export function cacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.SESAME_CACHE_DIR) return absolutePath(env.SESAME_CACHE_DIR);
  return joinPath(env.XDG_CACHE_HOME || joinPath(homeDir(env), ".cache"), "sesame");
}

/** The cache key lives apart from the cache (see docs/cache.md): a copied cache folder is useless alone. */
export function stateDir(env: Record<string, string | undefined> = process.env): string {
  if (env.SESAME_STATE_DIR) return absolutePath(env.SESAME_STATE_DIR);
  return joinPath(env.XDG_STATE_HOME || joinPath(homeDir(env), ".local", "state"), "sesame");
}
