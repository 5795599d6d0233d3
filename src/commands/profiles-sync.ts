// sesame profiles sync [--dry-run]: one managed [profile NAME] per catalog session in ~/.aws/config,
// so `aws --profile NAME` and every SDK call `sesame credential-process NAME`. See awsconfig/managed.ts
// for what sesame owns in the file and what it never touches.
//
// The file is handled as latin1 text: one char per byte, so bytes that are not valid UTF-8 (or a BOM)
// come back exactly as they were; the few strings sesame writes are turned into UTF-8 bytes first.
import { Buffer } from "node:buffer";
import { readFileSync, realpathSync, writeSync } from "node:fs";
import { awsConfigPath, catalogPath } from "../locations.ts";
import { loadCatalog } from "../catalog/load.ts";
import { unifiedDiff } from "../text/diff.ts";
import { redactIniSecrets } from "../awsconfig/import-plan.ts";
import { showWord } from "../awsconfig/line-safe.ts";
import { syncProfiles } from "../awsconfig/managed.ts";
import { sesameArgv, syncOptionsOf, wantedProfilesOf } from "../awsconfig/wanted-profiles.ts";
import type { Catalog } from "../catalog/types.ts";
import { EXIT, SesameError } from "../errors.ts";
import { writeFileAtomic } from "../runtime/files.ts";
import type { Env } from "../types.ts";

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

function warn(msg: string): void {
  writeSync(2, `sesame: ${msg}\n`);
}
