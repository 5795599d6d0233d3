// Every place sesame reads or writes on disk is computed here, and only here: the catalog (--config, else
// $SESAME_CONFIG, else ${XDG_CONFIG_HOME:-~/.config}/sesame/sessions.toml), the cache, the state folder, the
// data folder and the file keyring in it, and the AWS files sesame shares (config, credentials, the AWS
// CLI's SSO token cache). The hot path imports it: no node: module is loaded statically.
import { absolutePath, homeDir, isAbsolute, joinPath } from "./runtime/paths.ts";
import type { Env } from "./types.ts";

export function catalogPath(flag: string | undefined, env: Env = process.env): string {
  if (flag) return absolutePath(flag);
  if (env.SESAME_CONFIG) return absolutePath(env.SESAME_CONFIG);
  return joinPath(env.XDG_CONFIG_HOME || joinPath(homeDir(env), ".config"), "sesame", "sessions.toml");
}

export function cacheDir(env: Env = process.env): string {
  if (env.SESAME_CACHE_DIR) return absolutePath(env.SESAME_CACHE_DIR);
  return joinPath(env.XDG_CACHE_HOME || joinPath(homeDir(env), ".cache"), "sesame");
}

/** The cache key lives apart from the cache (see docs/cache.md): a copied cache folder is useless alone. */
export function stateDir(env: Env = process.env): string {
  if (env.SESAME_STATE_DIR) return absolutePath(env.SESAME_STATE_DIR);
  return joinPath(env.XDG_STATE_HOME || joinPath(homeDir(env), ".local", "state"), "sesame");
}

/**
 * ${XDG_DATA_HOME:-~/.local/share}/sesame, where the file keyring and the OS keyring's locks live. Not the
 * cache or state folder: taking a lock tightens its folder to 0700, and `sesame doctor`, whose keyring check
 * writes a test entry, reports on those two folders' modes afterwards.
 */
export function dataDir(env: Env = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  return joinPath(xdg && isAbsolute(xdg) ? xdg : joinPath(homeDir(env), ".local", "share"), "sesame");
}

/** $SESAME_FILE_KEYRING, else keyring.enc in the data folder. */
export function fileKeyringPath(env: Env = process.env): string {
  return env.SESAME_FILE_KEYRING || joinPath(dataDir(env), "keyring.enc");
}

/** $AWS_CONFIG_FILE (with ~ expanded, as botocore does) or ~/.aws/config. */
export function awsConfigPath(env: Env = process.env): string {
  return awsFile(env.AWS_CONFIG_FILE, "config", env);
}

/** $AWS_SHARED_CREDENTIALS_FILE (with ~ expanded, as botocore does) or ~/.aws/credentials. */
export function awsCredentialsPath(env: Env = process.env): string {
  return awsFile(env.AWS_SHARED_CREDENTIALS_FILE, "credentials", env);
}

/** The AWS CLI's SSO token cache (~/.aws/sso/cache). */
export function awsCliSsoCacheDir(env: Env = process.env): string {
  return joinPath(homeDir(env), ".aws", "sso", "cache");
}

/** The AWS CLI's `aws login` token cache: $AWS_LOGIN_CACHE_DIRECTORY (~ expanded) or ~/.aws/login/cache. */
export function awsCliLoginCacheDir(env: Env = process.env): string {
  const d = env.AWS_LOGIN_CACHE_DIRECTORY;
  if (!d) return joinPath(homeDir(env), ".aws", "login", "cache");
  if (d === "~" || d.startsWith("~/")) return joinPath(homeDir(env), d.slice(2));
  return absolutePath(d);
}

function awsFile(f: string | undefined, name: string, env: Env): string {
  // node:path normalises as botocore does; loaded here only, never on the hot path.
  const path = process.getBuiltinModule?.("node:path") as typeof import("node:path") | undefined;
  const join = path?.join ?? joinPath;
  const home = homeDir(env);
  if (!f) return join(home, ".aws", name);
  if (f === "~" || f.startsWith("~/")) return join(home, f.slice(1));
  return path ? path.resolve(f) : absolutePath(f);
}
