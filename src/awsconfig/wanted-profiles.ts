// What `profiles sync` wants in ~/.aws/config for a catalog: one profile per session whose
// credential_process starts this very sesame for that session (and names the catalog when it is not at the
// default place), with the session's region. Shared by `profiles sync`, `import` and `doctor`.
import { Buffer } from "node:buffer";
import { realpathSync } from "node:fs";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sessionRegion } from "../catalog/catalog.ts";
import { catalogPath } from "../locations.ts";
import type { Catalog } from "../catalog/types.ts";
import { lineSafe } from "./line-safe.ts";
import { commandLine, type SyncOptions, type WantedProfile } from "./managed.ts";

type Env = Record<string, string | undefined>;

/**
 * How the AWS CLI should start this very sesame. Compiled, that is the binary itself (process.execPath,
 * or the symlink it was started through: see stableSelf). Run from source (execPath is bun or deno), it
 * is $SESAME_BIN when set (the path of a sesame binary), else the runtime plus the absolute path of
 * src/main.ts, so a checkout works without building.
 */
export function sesameArgv(env: Env = process.env, execPath: string = process.execPath, argv0: string = process.argv0): string[] {
  const runtime = basename(execPath).toLowerCase().replace(/\.exe$/, "");
  if (runtime !== "bun" && runtime !== "deno") return [stableSelf(execPath, argv0, env.PATH)];
  if (env.SESAME_BIN) return [resolve(env.SESAME_BIN)];
  const main = resolve(dirname(fileURLToPath(import.meta.url)), "..", "main.ts");
  return runtime === "deno" ? [execPath, "run", "-A", main] : [execPath, main];
}

/**
 * execPath is the binary with every symlink resolved. When sesame was started through a symlink
 * (Homebrew's bin/sesame → Cellar/sesame/1.2.3/bin/sesame), the symlink is the path that survives an
 * upgrade, so it is written instead: argv0 as typed, or found on PATH, if it leads to this binary.
 */
export function stableSelf(execPath: string, argv0: string | undefined, path: string | undefined): string {
  if (!argv0) return execPath;
  const candidates = argv0.includes("/") || argv0.includes("\\") ? [resolve(argv0)] : (path ?? "").split(delimiter).filter(Boolean).map((d) => join(resolve(d), argv0));
  let real: string;
  try {
    real = realpathSync(execPath);
  } catch {
    return execPath;
  }
  for (const c of candidates) {
    try {
      if (realpathSync(c) === real) return c;
    } catch {
      /* not there: try the next */
    }
  }
  return execPath;
}

/** The managed profiles for an already loaded catalog (its file is cat.file). */
export function wantedProfilesOf(cat: Catalog, env: Env, argv: readonly string[], platform: string = process.platform): WantedProfile[] {
  const catalogFile = cat.file;
  // The AWS CLI may run without $SESAME_CONFIG or $XDG_CONFIG_HOME (an IDE, a cron job): name the
  // catalog unless it sits where sesame looks with neither.
  const atDefault = catalogFile === defaultCatalogOf(env);
  const extra = atDefault ? [] : ["--config", catalogFile];
  const fix = "move it to a path without line breaks or control characters";
  lineSafe(catalogFile, "the catalog path", "~/.aws/config", fix);
  for (const a of argv) lineSafe(a, "sesame's path", "~/.aws/config", fix);
  return [...cat.sessions.values()].map((s) => {
    const p: WantedProfile = { name: s.name, credentialProcess: asBytes(commandLine([...argv, "credential-process", s.name, ...extra], platform)) };
    const region = sessionRegion(s, cat);
    if (region) p.region = asBytes(lineSafe(region, "the region", "~/.aws/config", "fix the region in the catalog"));
    return p;
  });
}

/** The catalog a managed profile written without --config reads: the one at the default place under $HOME. */
function defaultCatalogOf(env: Env): string {
  return catalogPath(undefined, { HOME: env.HOME });
}

/** Which catalog the managed profiles are synced for (see awsconfig/managed.ts: sesame_catalog). */
export function syncOptionsOf(cat: Catalog, env: Env): SyncOptions {
  return { catalog: asBytes(cat.file), defaultCatalog: asBytes(defaultCatalogOf(env)) };
}

function asBytes(s: string): string {
  return Buffer.from(s, "utf8").toString("latin1");
}
