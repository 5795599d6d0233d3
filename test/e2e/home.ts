// The private HOME every run of the binary gets, in the tests (harness.ts) and in the bench
// (scripts/bench/): one place for the catalog's path and the variables that keep sesame and the AWS
// tools inside it.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes the catalog where sesame looks for it in `home`; returns its path. */
export function writeHomeCatalog(home: string, catalogText: string): string {
  const catalog = join(home, ".config", "sesame", "sessions.toml");
  mkdirSync(join(home, ".config", "sesame"), { recursive: true });
  writeFileSync(catalog, catalogText);
  return catalog;
}

/** The environment of a run in `home`: XDG folders and AWS files inside it, STS at the emulator. */
export function homeEnv(home: string, user: string, stsUrl: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    USER: user,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    XDG_STATE_HOME: join(home, ".local", "state"),
    AWS_ENDPOINT_URL_STS: stsUrl,
    AWS_CONFIG_FILE: join(home, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
  };
}
