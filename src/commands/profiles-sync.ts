// sesame profiles sync [--dry-run]: one managed [profile NAME] per catalog session in ~/.aws/config,
// so `aws --profile NAME` and every SDK call `sesame credential-process NAME`. See awsconfig/managed.ts
// for what sesame owns in the file and what it never touches.
//
// The file is handled as latin1 text: one char per byte, so bytes that are not valid UTF-8 (or a BOM)
// come back exactly as they were; the few strings sesame writes are turned into UTF-8 bytes first.
import { sessionRegion } from "../catalog/catalog.ts";
import { Buffer } from "node:buffer";
import { readFileSync, realpathSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { catalogPath } from "../catalog/locate.ts";
import { loadCatalog } from "../catalog/load.ts";
import { unifiedDiff } from "../text/diff.ts";
import { redactIniSecrets } from "../awsconfig/import-plan.ts";
import { lineSafe, showWord } from "../awsconfig/line-safe.ts";
import { commandLine, syncProfiles, type SyncOptions, type WantedProfile } from "../awsconfig/managed.ts";
import type { Catalog } from "../catalog/types.ts";
import { EXIT, SesameError } from "../errors.ts";
import { writeFileAtomic } from "../store/files.ts";

type Env = Record<string, string | undefined>;

/** $AWS_CONFIG_FILE (with ~ expanded, as botocore does) or ~/.aws/config. */
export function awsConfigPath(env: Env = process.env): string {
  const home = env.HOME || homedir();
  const f = env.AWS_CONFIG_FILE;
  if (!f) return join(home, ".aws", "config");
  if (f === "~" || f.startsWith("~/")) return join(home, f.slice(1));
  return resolve(f);
}

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

export function wantedProfiles(catalogFile: string, env: Env, argv: readonly string[], platform: string = process.platform): WantedProfile[] {
  return wantedProfilesOf(loadCatalog(catalogFile), env, argv, platform);
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

export interface ProfilesSyncOptions {
  config?: string;
  dryRun?: boolean;
  /** profile names to take over even if sesame did not write them (sesame import; see SyncOptions.adopt) */
  adopt?: Iterable<string>;
  /** use this catalog instead of loading the one --config names (sesame import --dry-run: not written yet) */
  catalog?: Catalog;
}

export async function profilesSync(opts: ProfilesSyncOptions, env: Env = process.env): Promise<void> {
  const cat = opts.catalog ?? loadCatalog(catalogPath(opts.config, env));
  const wanted = wantedProfilesOf(cat, env, sesameArgv(env));
  const file = awsConfigPath(env);
  const { text, exists } = readConfig(file);
  const r = syncProfiles(text, wanted, { ...syncOptionsOf(cat, env), ...(opts.adopt ? { adopt: new Set(opts.adopt) } : {}) });

  for (const name of r.skipped) {
    warn(`skipped "${name}": ${file} already has a profile "${name}" that sesame does not manage — rename the session, remove that profile, or add "sesame_managed = true" to it to hand it over`);
  }
  for (const o of r.otherCatalog) {
    warn(`skipped "${o.name}": the profile "${o.name}" in ${file} belongs to another catalog (${showWord(Buffer.from(o.catalog, "latin1").toString("utf8"))}) — rename this session, or run sesame profiles sync from that catalog after removing its session "${o.name}"`);
  }
  const skipped = r.skipped.length + r.otherCatalog.length;
  const counts = `added ${r.added.length}, updated ${r.updated.length}, ${r.adopted.length ? `adopted ${r.adopted.length}, ` : ""}removed ${r.removed.length}, skipped ${skipped}`;
  if (opts.dryRun) {
    // Context lines (and adopted profiles' removed lines) may hold keys written in the config file.
    const diff = redactIniSecrets(unifiedDiff(text, r.text, exists ? file : "/dev/null", `${file} (after sesame profiles sync)`));
    if (diff) writeSync(1, Buffer.from(diff, "latin1"));
    warn(`profiles sync (dry run, nothing written): ${counts}`);
    return;
  }
  if (r.text !== text) {
    // A symlinked config (dotfiles) stays a symlink: the file it points to is replaced instead.
    const target = exists ? realpathSync(file) : file;
    try {
      if (exists) writeFileAtomic(`${file}.sesame-backup`, Buffer.from(text, "latin1"));
      writeFileAtomic(target, Buffer.from(r.text, "latin1"));
    } catch (e) {
      throw fileError(`cannot write ${target}`, e);
    }
  }
  warn(`profiles sync: ${counts} (${file})`);
}

function readConfig(file: string): { text: string; exists: boolean } {
  try {
    return { text: readFileSync(file).toString("latin1"), exists: true };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { text: "", exists: false };
    throw fileError(`cannot read ${file}`, e);
  }
}

function fileError(what: string, e: unknown): SesameError {
  const code = (e as NodeJS.ErrnoException).code ?? "error";
  return new SesameError("awsconfig.io", `${what} (${code})`, EXIT.usage, "check the permissions of the file and its folder, or point AWS_CONFIG_FILE elsewhere", { cause: e });
}

function asBytes(s: string): string {
  return Buffer.from(s, "utf8").toString("latin1");
}

function warn(msg: string): void {
  writeSync(2, `sesame: ${msg}\n`);
}
