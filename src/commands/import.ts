// sesame import [--yes] [--dry-run]: the profiles of ~/.aws/config and ~/.aws/credentials become catalog
// sessions (src/awsconfig/import-plan.ts says how), IAM user keys go to the keyring, and then — confirmed
// on the terminal, or with --yes — ~/.aws is migrated: the moved keys leave ~/.aws/credentials (a backup
// is kept) and the imported profiles are taken over by `profiles sync`, so `aws --profile NAME` runs
// `sesame credential-process NAME` from then on.
//
// Order, so that a failure half-way never leaves a profile without working credentials:
//   keys → keyring, then the catalog (appended; existing bytes kept), then (confirmed) profiles sync, and
//   only then the keys out of ~/.aws/credentials (until then they still shadow credential_process, so the
//   AWS CLI keeps working either way).
// Running it again is safe: sessions already in the catalog are recognised, and a key is removed from
// ~/.aws/credentials only when the keyring holds that very key.
import { Buffer } from "node:buffer";
import { readFileSync, realpathSync, writeSync } from "node:fs";
import { unifiedDiff } from "../text/diff.ts";
import { planImport, stripCredentials, type ImportPlan, type ProfileOutcome, type StaticKey } from "../awsconfig/import-plan.ts";
import { lineSafe } from "../awsconfig/line-safe.ts";
import { syncProfiles } from "../awsconfig/managed.ts";
import { awsConfigPath, awsCredentialsPath, cacheDir, catalogPath, stateDir } from "../locations.ts";
import { EXIT, SesameError, UsageError } from "../errors.ts";
import { writeFileAtomic } from "../runtime/files.ts";
import { forgetRoot } from "../credentials/forget.ts";
import { getAccessKey, maskKeyId, setAccessKey } from "../store/iam-user-keys.ts";
import { sessionRegion } from "../catalog/catalog.ts";
import type { SecretStore } from "../store/secret-store.ts";
import { profilesSync } from "./profiles-sync.ts";
import { sesameArgv, syncOptionsOf, wantedProfilesOf } from "../awsconfig/wanted-profiles.ts";
import type { Env } from "../types.ts";

export interface ImportOptions {
  config?: string;
  yes?: boolean;
  dryRun?: boolean;
}

export async function importCommand(opts: ImportOptions, env: Env = process.env): Promise<void> {
  const catalogFile = catalogPath(opts.config, env);
  const configFile = awsConfigPath(env);
  const credFile = awsCredentialsPath(env);
  const config = readOptional(configFile);
  const creds = readOptional(credFile);
  if (!config && !creds) {
    say(`import: nothing to import: neither ${configFile} nor ${credFile} exists`);
    return;
  }
  // The paths go into the catalog's "# imported from" comment: a line break would add lines of its own.
  const fix = "point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at a path without line breaks or control characters";
  if (config) lineSafe(configFile, "the AWS config path", "the catalog's comment", fix);
  if (creds) lineSafe(credFile, "the AWS credentials path", "the catalog's comment", fix);
  const catalogBytes = readOptional(catalogFile, true);
  const plan = planImport({
    config: config?.toString("utf8") ?? "",
    credentials: creds?.toString("utf8") ?? "",
    catalogFile,
    ...(catalogBytes ? { catalogText: catalogBytes.toString("utf8") } : {}),
    note: `imported from ${[config ? configFile : "", creds ? credFile : ""].filter(Boolean).join(" and ")} by sesame import`,
  });
  report(plan);

  let store: SecretStore | undefined;
  const openStore = async () => (store ??= (await import("../store/open-secret-store.ts")).openSecretStore(env, catalogFile));
  // Keys to store: those of new iam-user sessions, and those of existing ones whose keyring holds none yet.
  // Profiles to adopt and keys to strip from ~/.aws/credentials: every imported one, except where the
  // keyring already holds another key for the session (that key is not moved, so it is not removed).
  const toStore: { session: string; key: StaticKey }[] = [];
  const adopt: string[] = [];
  const strip = new Map<string, string>();
  for (const p of plan.profiles) {
    if (p.kind === "skip") continue;
    if (p.key && p.kind === "create") toStore.push({ session: p.session, key: p.key });
    if (p.key && p.kind === "already") {
      let held: Awaited<ReturnType<typeof getAccessKey>>;
      try {
        held = await getAccessKey(await openStore(), p.session);
      } catch (e) {
        if (!opts.dryRun) throw e;
        held = undefined;
      }
      if (!held) toStore.push({ session: p.session, key: p.key });
      else if (held.accessKeyId !== p.key.accessKeyId || held.secretAccessKey !== p.key.secretAccessKey) {
        say(`import: profile "${p.profile}" keeps its key ${maskKeyId(p.key.accessKeyId)}: the keyring holds another key (${maskKeyId(held.accessKeyId)}) for session "${p.session}" — to use this one, run: sesame secret delete ${p.session}, then sesame import again`);
        continue;
      }
    }
    adopt.push(p.profile);
    if (p.key?.file === "credentials") strip.set(p.profile, p.key.accessKeyId);
  }
  const created = plan.profiles.filter((p) => p.kind === "create").length;
  const ssoCreated = plan.ssoSessions.filter((s) => s.kind === "create").length;

  if (opts.dryRun) {
    const before = catalogBytes?.toString("utf8") ?? "";
    if (plan.changed) writeSync(1, unifiedDiff(before, plan.text, catalogBytes ? catalogFile : "/dev/null", `${catalogFile} (after sesame import)`));
    for (const p of toStore) say(`import (dry run): would store the key ${maskKeyId(p.key.accessKeyId)} of "${p.session}" in the keyring`);
    if (strip.size) {
      const r = stripCredentials(creds!.toString("latin1"), strip);
      say(`import (dry run): would remove the keys of ${quoteList(r.stripped)} from ${credFile}${r.sectionsRemoved.length ? ` (whole section: ${quoteList(r.sectionsRemoved)})` : ""}, keeping a backup in ${credFile}.sesame-backup`);
    }
    if (plan.catalog.sessions.size) await profilesSync({ dryRun: true, adopt, catalog: plan.catalog }, env);
    say(`import (dry run, nothing written): ${created} session${s(created)} and ${ssoCreated} sso-session${s(ssoCreated)} to add to ${catalogFile}`);
    return;
  }

  // 1. Keys into the keyring, before the catalog names them.
  //    As `secret set` does, each stored key starts a new generation of its root, so nothing cached under
  //    an older key of that session (say, from a session of that name the catalog had before) is served.
  for (const p of toStore) {
    const st = await openStore();
    await setAccessKey(st, p.session, { accessKeyId: p.key.accessKeyId, secretAccessKey: p.key.secretAccessKey });
    await forgetRoot(plan.catalog, `iam-user:${p.session}`, env, { cacheDir: cacheDir(env), stateDir: stateDir(env) });
    say(`import: stored the key ${maskKeyId(p.key.accessKeyId)} of "${p.session}" in the ${st.kind === "os" ? "OS keyring" : "file keyring"}`);
  }

  // 1b. aws-login sessions: a sign-in the AWS CLI holds for that identity is taken over (the keyring gets
  //     a copy; the CLI keeps its file, which both keep current: share_with_aws_cli).
  for (const p of plan.profiles) {
    if ((p.kind !== "create" && p.kind !== "already") || p.type !== "aws-login") continue;
    const s = plan.catalog.sessions.get(p.session);
    if (s?.type !== "aws-login" || !s.login_session) continue;
    const { readAwsCliLogin } = await import("../signin/aws-cli-cache.ts");
    const { loadLogin, saveLogin } = await import("../signin/tokens.ts");
    const st = await openStore();
    if (await loadLogin(st, s.name)) continue; // signed in already: never replaced by an import
    const cli = readAwsCliLogin(s.login_session, sessionRegion(s, plan.catalog) ?? "us-east-1", env);
    if (!cli) {
      say(`import: "${s.name}" has no sign-in in the AWS CLI's cache to take over: run sesame login ${s.name}`);
      continue;
    }
    await saveLogin(st, s.name, cli);
    await forgetRoot(plan.catalog, `aws-login:${s.name}`, env, { cacheDir: cacheDir(env), stateDir: stateDir(env) });
    say(`import: took over the AWS CLI's sign-in of "${s.name}" (${s.login_session})`);
  }

  // 2. The catalog: appended, after checking nobody edited it meanwhile.
  if (plan.changed) {
    const now = readOptional(catalogFile, true);
    if (!sameBytes(now, catalogBytes)) throw new UsageError(`${catalogFile} changed while sesame was importing`, "run: sesame import again");
    const target = catalogBytes ? realpathSync(catalogFile) : catalogFile;
    const bytes = catalogBytes ? Buffer.concat([catalogBytes, Buffer.from(plan.appended, "utf8")]) : Buffer.from(plan.text, "utf8");
    try {
      writeFileAtomic(target, bytes);
    } catch (e) {
      throw fileError(`cannot write ${target}`, e);
    }
    say(`import: added ${created} session${s(created)} and ${ssoCreated} sso-session${s(ssoCreated)} to ${catalogFile}`);
  } else {
    say(`import: nothing new for ${catalogFile}`);
  }

  // 3. ~/.aws, only when confirmed.
  const configText = config?.toString("latin1") ?? "";
  const preview = syncProfiles(configText, wantedProfilesOf(plan.catalog, env, sesameArgv(env)), { ...syncOptionsOf(plan.catalog, env), adopt: new Set(adopt) });
  const profileChanges = preview.added.length + preview.updated.length + preview.adopted.length + preview.removed.length;
  if (strip.size === 0 && profileChanges === 0) return;
  const what = [
    strip.size ? `remove the keys of ${quoteList([...strip.keys()])} from ${credFile} (a backup is kept)` : "",
    preview.adopted.length ? `point ${quoteList(preview.adopted)} in ${configFile} at sesame` : "",
    preview.added.length ? `add ${preview.added.length} profile${s(preview.added.length)} for sesame to ${configFile}` : "",
  ].filter(Boolean);
  if (!(await confirmed(opts, `${what.join(", and ") || `update the profiles sesame manages in ${configFile}`}?`))) return;

  await profilesSync({ ...(opts.config ? { config: opts.config } : {}), adopt }, env);

  if (strip.size) {
    const now = readOptional(credFile);
    if (!sameBytes(now, creds)) throw new UsageError(`${credFile} changed while sesame was importing; nothing was removed from it`, "run: sesame import --yes again");
    const r = stripCredentials(creds!.toString("latin1"), strip);
    if (r.stripped.length) {
      const target = realpathSync(credFile);
      try {
        writeFileAtomic(`${credFile}.sesame-backup`, creds!);
        writeFileAtomic(target, Buffer.from(r.text, "latin1"));
      } catch (e) {
        throw fileError(`cannot write ${target}`, e);
      }
      say(`import: removed the keys of ${quoteList(r.stripped)} from ${credFile}; the old file is in ${credFile}.sesame-backup (it still holds the keys: delete it once aws commands work)`);
    }
  }
  if (plan.profiles.some((p) => p.kind !== "skip" && p.key?.file === "config" && adopt.includes(p.profile))) {
    say(`import: ${configFile}.sesame-backup still holds the keys that were in ${configFile}: delete it once aws commands work`);
  }
}

function report(plan: ImportPlan): void {
  for (const o of plan.ssoSessions) {
    if (o.kind === "create") say(`import: ${o.from} → [sso-session.${o.name}]`);
    else if (o.kind === "already") say(`import: ${o.from}: the catalog already has [sso-session.${o.name}]`);
    else say(`import: skipped ${o.from}: ${o.reason}`);
  }
  for (const p of plan.profiles) {
    if (p.kind === "create") {
      const extra = p.type === "assume-role" ? `, source "${p.table.source}"` : p.type === "sso" ? `, sso-session "${p.table.sso_session}"` : "";
      say(`import: profile "${p.profile}" → session "${p.session}" (${p.type}${extra})`);
      for (const n of p.notes) say(`import:   ${n}`);
    } else if (p.kind === "already") say(`import: profile "${p.profile}": the catalog already has session "${p.session}"`);
    else say(`import: skipped profile "${p.profile}": ${p.reason}${p.fix ? ` — ${p.fix}` : ""}`);
  }
}

async function confirmed(opts: ImportOptions, question: string): Promise<boolean> {
  if (opts.yes) return true;
  const tty = await import("../tty.ts");
  if (!tty.hasTty()) {
    say(`import: ~/.aws was left as it was (no terminal to confirm on): to ${question.replace(/\?$/, "")}, run: sesame import --yes`);
    return false;
  }
  const answer = (await tty.promptLine(`sesame: ${question[0]!.toUpperCase()}${question.slice(1, -1)}? [y/N] `, { echo: true })).trim().toLowerCase();
  if (answer === "y" || answer === "yes") return true;
  say("import: ~/.aws was left as it was; run sesame import --yes to migrate it later");
  return false;
}

function readOptional(file: string, catalog = false): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (catalog) throw new SesameError("catalog", `${file}: cannot read the catalog (${code ?? "error"})`, EXIT.catalog, "check the file's permissions");
    throw fileError(`cannot read ${file}`, e);
  }
}

function sameBytes(a: Buffer | undefined, b: Buffer | undefined): boolean {
  if (!a || !b) return a === b;
  return a.equals(b);
}

function fileError(what: string, e: unknown): SesameError {
  const code = (e as NodeJS.ErrnoException).code ?? "error";
  return new SesameError("import.io", `${what} (${code})`, EXIT.usage, "check the permissions of the file and its folder", { cause: e });
}

function quoteList(names: string[]): string {
  return names.map((n) => `"${n}"`).join(", ");
}

const s = (n: number) => (n === 1 ? "" : "s");

function say(msg: string): void {
  writeSync(2, `sesame: ${msg}\n`);
}
