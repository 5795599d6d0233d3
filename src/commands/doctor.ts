// sesame doctor [--json]: what is wrong with this machine's setup, and how to fix each thing.
//
// Each check gives findings with a status — ok, warn (works, but not as it should), fail (something is
// broken) — and, unless ok, the fix. Checks are independent: a broken catalog does not stop the keyring
// or clock checks. Nothing here prints a secret, and nothing is changed except one probe entry written to
// the keyring and deleted again.
//
// Exit status: 0 when nothing failed (warnings allowed); 3 when the catalog cannot be used; else 6 when
// the keyring cannot be used; else 1 for any other failure.
import { Buffer } from "node:buffer";
import { forTerminal } from "../output/sanitize.ts";
import { existsSync, readdirSync, readFileSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parseIni, profileOfHeader } from "../awsconfig/ini.ts";
import { showWord } from "../awsconfig/line-safe.ts";
import { isManaged, sesameCommand, syncProfiles } from "../awsconfig/managed.ts";
import { endpointOverride } from "../aws/endpoints.ts";
import { loadCatalog } from "../catalog/load.ts";
import { awsConfigPath, awsCredentialsPath, cacheDir, catalogPath, fileKeyringPath, stateDir } from "../locations.ts";
import type { Catalog, SsoSessionDef } from "../catalog/types.ts";
import { CatalogError, EXIT, SesameError } from "../errors.ts";
import { clock } from "../output/clock.ts";
import type { SignIn } from "../sso/sign-in-state.ts";
import { sesameArgv, syncOptionsOf, wantedProfilesOf } from "../awsconfig/wanted-profiles.ts";
import type { Env } from "../types.ts";
import type { Finding, Status } from "./doctor-finding.ts";



/** Clock skew beyond this fails: SigV4 refuses requests more than 15 minutes off, SSO tokens expire early. */
export const MAX_SKEW_SECONDS = 300;

export interface DoctorDeps {
  now(): number;
  /** GET url; the response's status and Date header */
  probe(url: string): Promise<{ date: string | null }>;
}

const realDeps: DoctorDeps = {
  now: () => Date.now(),
  async probe(url) {
    const res = await fetch(url, { method: "GET", redirect: "manual", signal: AbortSignal.timeout(5000) });
    await res.body?.cancel().catch(() => undefined); // only the Date header matters: never read a body of unknown size
    return { date: res.headers.get("date") };
  },
};

export async function doctor(opts: { config?: string; json?: boolean }, env: Env = process.env, deps: DoctorDeps = realDeps): Promise<number> {
  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);

  // 1. The catalog.
  const file = catalogPath(opts.config, env);
  let cat: Catalog | undefined;
  try {
    cat = loadCatalog(file);
    add({ check: "catalog", status: "ok", message: `${file}: ${count(cat.sessions.size, "session")}, ${count(cat.ssoSessions.size, "sso-session")}` });
  } catch (e) {
    if (!(e instanceof CatalogError)) throw e;
    const missing = e.code === "catalog.missing";
    add({ check: "catalog", status: "fail", message: e.message, fix: missing ? "create it (see the README), or run: sesame import to make one from ~/.aws" : (e.fix ?? "fix the catalog at that place") });
  }

  // 2. The keyring: a probe entry set, read back and deleted (also proves the native addon loads).
  const keyringOk = await checkKeyring(env, add);

  // 3. ~/.aws/config: sesame's managed profiles as profiles sync would write them.
  const configFile = awsConfigPath(env);
  const configText = readText(configFile);
  if (cat) checkProfiles(cat, configFile, configText ?? "", env, add);
  else add({ check: "profiles", status: "warn", message: `${configFile} not checked: the catalog cannot be used`, fix: "fix the catalog first" });

  // 4. ~/.aws/credentials: keys that shadow managed profiles, and long-lived keys at all.
  checkCredentialsFile(awsCredentialsPath(env), configFile, configText ?? "", add);

  // 5. The clock against STS.
  await checkClock(cat, env, deps, add);

  // 6. Cache and state folders.
  if (process.platform !== "win32") {
    const keyringFile = env.SESAME_KEYRING === "file" ? fileKeyringPath(env) : undefined;
    checkFolders(env, deps.now(), add, keyringFile);
  }

  // 7. IAM users' stored keys.
  if (cat && keyringOk && [...cat.sessions.values()].some((x) => x.type === "iam-user")) await checkKeys(cat, env, add);

  // 8. IAM Identity Center sign-ins.
  if (cat && cat.ssoSessions.size) await checkSso(cat, env, deps.now(), keyringOk, add);

  // 8b. AWS console sign-ins (aws-login sessions).
  if (cat && keyringOk) await (await import("./doctor-logins.ts")).checkLogins(cat, env, deps.now(), add);

  // 9. Token files and catalog commands (web identity, mfa_process, SAML).
  if (cat) (await import("./doctor-roots.ts")).checkRoots(cat, env, add);

  // 10. Background renewals that failed (credential-process served the cached entry meanwhile).
  if (cat) {
    const { lastRenewalFailure } = await import("../store/renewal-state.ts");
    for (const name of cat.sessions.keys()) {
      const f = lastRenewalFailure(stateDir(env), name);
      if (f) add({ check: "cache", status: "warn", message: `the background renewal of "${name}" failed at ${f.at}: ${f.message}`, fix: `see what it says; the next call renews again (try: sesame credential-process ${name} --no-cache)` });
    }
  }

  const failed = findings.filter((f) => f.status === "fail");
  const status = failed.length === 0 ? EXIT.ok : failed.some((f) => f.check === "catalog") ? EXIT.catalog : failed.some((f) => f.check === "keyring") ? EXIT.keyring : EXIT.problems;
  const warned = findings.filter((f) => f.status === "warn").length;
  if (opts.json) {
    writeSync(1, JSON.stringify({ status: failed.length ? "fail" : warned ? "warn" : "ok", exit: status, findings }) + "\n");
    return status;
  }
  let out = "";
  for (const f of findings) {
    out += `${f.status === "ok" ? "ok  " : f.status.toUpperCase()}  ${f.check.padEnd(16)}  ${forTerminal(f.message)}\n`;
    if (f.fix && f.status !== "ok") out += `${" ".repeat(24)}fix: ${forTerminal(f.fix)}\n`;
  }
  out += failed.length || warned ? `doctor: ${count(failed.length, "failure")}, ${count(warned, "warning")}\n` : "doctor: everything looks right\n";
  writeSync(1, out);
  return status;
}

async function checkKeyring(env: Env, add: (f: Finding) => void): Promise<boolean> {
  try {
    const { openKeyringBackend } = await import("../store/open-secret-store.ts");
    const store = openKeyringBackend(env);
    if (store.kind === "file" && !existsSync(fileKeyringPath(env))) {
      // Probing would create it (and ask for a new passphrase): the first `sesame secret set` does that.
      add({ check: "keyring", status: "ok", message: `file keyring ${fileKeyringPath(env)}: not created yet (the first sesame secret set or sesame import creates it)` });
      return true;
    }
    const rand = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
    const account = `doctor-probe:${process.pid}-${rand}`;
    await store.set(account, rand);
    let got: string | undefined;
    try {
      got = await store.get(account);
    } finally {
      await store.delete(account);
    }
    const what = store.kind === "os" ? `OS keyring (service "${env.SESAME_KEYRING_SERVICE || "sesame"}")` : `file keyring ${fileKeyringPath(env)}`;
    if (got !== rand) {
      add({ check: "keyring", status: "fail", message: `the ${what} did not give back what was stored in it`, fix: "check the keyring service, or set SESAME_KEYRING=file" });
      return false;
    }
    add({ check: "keyring", status: "ok", message: `${what}: a test entry was stored, read back and deleted` });
    return true;
  } catch (e) {
    if (!(e instanceof SesameError)) {
      add({ check: "keyring", status: "fail", message: `the keyring cannot be used: ${String((e as Error)?.message ?? e).split("\n")[0]}`, fix: "start a Secret Service (gnome-keyring) or set SESAME_KEYRING=file" });
      return false;
    }
    add({ check: "keyring", status: "fail", message: e.message, ...(e.fix ? { fix: e.fix } : {}) });
    return false;
  }
}

function checkProfiles(cat: Catalog, configFile: string, text: string, env: Env, add: (f: Finding) => void): void {
  const r = syncProfiles(text, wantedProfilesOf(cat, env, sesameArgv(env)), syncOptionsOf(cat, env));
  // A profile the user wrote as the README shows (credential_process = /path/sesame credential-process prod)
  // already runs a session of this catalog: nothing to warn about.
  const own = runsSesame(cat, text, env);
  const handWritten = r.skipped.filter((n) => own.has(n));
  r.skipped = r.skipped.filter((n) => !own.has(n));
  const problems: string[] = [];
  if (r.added.length) problems.push(`no profile yet for ${list(r.added)}`);
  if (r.updated.length) problems.push(`outdated profile${r.updated.length > 1 ? "s" : ""} ${list(r.updated)} (credential_process, region or the sesame_catalog line differ from what profiles sync writes)`);
  if (r.removed.length) problems.push(`profile${r.removed.length > 1 ? "s" : ""} ${list(r.removed)} for sessions no longer in the catalog (or duplicated)`);
  if (problems.length) add({ check: "profiles", status: "warn", message: `${configFile}: ${problems.join("; ")}`, fix: "run: sesame profiles sync" });
  if (r.skipped.length) {
    add({
      check: "profiles",
      status: "warn",
      message: `${configFile}: ${list(r.skipped)} ${r.skipped.length > 1 ? "are profiles" : "is a profile"} sesame does not manage, so aws --profile ${r.skipped[0]} does not use the session of that name`,
      fix: "run: sesame import to move them to sesame, or rename the sessions",
    });
  }
  if (r.otherCatalog.length) {
    const o = r.otherCatalog[0]!;
    add({
      check: "profiles",
      status: "warn",
      message: `${configFile}: ${list(r.otherCatalog.map((x) => x.name))} ${r.otherCatalog.length > 1 ? "are profiles" : "is a profile"} of another catalog (${showWord(Buffer.from(o.catalog, "latin1").toString("utf8"))}), so aws --profile ${o.name} does not use this catalog's session of that name`,
      fix: "rename the sessions in one of the two catalogs",
    });
  }
  if (!problems.length && !r.skipped.length && !r.otherCatalog.length) {
    const n = cat.sessions.size - handWritten.length;
    const extra = handWritten.length ? `; ${list(handWritten)} ${handWritten.length > 1 ? "run" : "runs"} sesame credential-process ${handWritten.length > 1 ? "themselves" : "itself"}` : "";
    add({ check: "profiles", status: "ok", message: (n === 0 && !handWritten.length ? `${configFile}: no sessions, so no managed profiles` : n === 1 ? `${configFile}: the managed profile matches the catalog` : `${configFile}: the ${n} managed profiles match the catalog`) + extra });
  }
}

/**
 * Profiles sesame does not manage whose credential_process runs sesame's credential-process for a session
 * of this catalog (the program is sesame, and its --config, if any, names this catalog).
 */
function runsSesame(cat: Catalog, text: string, env: Env): Set<string> {
  const doc = parseIni(text);
  const out = new Set<string>();
  for (const s of doc.sections) {
    const name = profileOfHeader(s.header);
    if (name === undefined || isManaged(doc, s)) continue;
    let cp: string | undefined;
    for (let i = s.start + 1; i < s.end; i++) {
      const l = doc.lines[i]!;
      if (l.kind === "key" && l.name === "credential_process") cp = l.value;
    }
    const c = cp === undefined ? undefined : sesameCommand(cp);
    if (!c || !cat.sessions.has(c.session)) continue;
    if (!/^sesame(\.exe)?$/i.test(basename(c.program)) && !sesameArgv(env).includes(c.program)) continue;
    if (c.config !== undefined && resolve(c.config) !== resolve(cat.file)) continue;
    out.add(name);
  }
  return out;
}

/**
 * The aws_access_key_id of each section that has one, as any AWS SDK would find it: botocore's reading
 * (option names in any case, `=` or `:`), plus the JS SDK's, which reads an indented
 * `aws_access_key_id = …` line as a key where botocore sees the continuation of the key above.
 */
function keyIds(text: string, nameOf: (header: string) => string | undefined): Map<string, string> {
  const doc = parseIni(text);
  const out = new Map<string, string>();
  for (const s of doc.sections) {
    if (s.header === undefined) continue;
    const name = nameOf(s.header);
    if (name === undefined) continue;
    for (let i = s.start + 1; i < s.end; i++) {
      const l = doc.lines[i]!;
      if (l.kind === "key" && l.name === "aws_access_key_id" && l.value) out.set(name, l.value);
      const js = l.kind === "continuation" ? /^aws_access_key_id\s*=\s*(\S.*)$/.exec(l.text.trim()) : null;
      if (js) out.set(name, js[1]!.trim());
    }
  }
  return out;
}

function checkCredentialsFile(file: string, configFile: string, configText: string, add: (f: Finding) => void): void {
  const config = parseIni(configText);
  const managed = new Set<string>();
  for (const s of config.sections) {
    const name = profileOfHeader(s.header);
    if (name !== undefined && isManaged(config, s)) managed.add(name);
  }
  // Long-lived keys in ~/.aws/config count too: the SDKs read them there as well.
  const inConfig = [...keyIds(configText, profileOfHeader)].filter(([n, id]) => !managed.has(n) && !id.startsWith("ASIA")).map(([n]) => n);
  if (inConfig.length) add({ check: "credentials-file", status: "warn", message: `${configFile} holds long-lived keys for ${list(inConfig)}`, fix: "run: sesame import to move them to the keyring" });
  const text = readText(file);
  if (text === undefined) {
    if (!inConfig.length) add({ check: "credentials-file", status: "ok", message: `${file} does not exist: no long-lived keys in ~/.aws` });
    checkBackups(file, configFile, add);
    return;
  }
  const shadowing: string[] = [];
  const longLived: string[] = [];
  for (const [name, id] of keyIds(text, (h) => h.trim())) {
    if (managed.has(name)) shadowing.push(name);
    else if (!id.startsWith("ASIA")) longLived.push(name);
  }
  if (shadowing.length) {
    add({
      check: "credentials-file",
      status: "warn",
      message: `${file} holds keys for ${list(shadowing)}, which sesame manages: the AWS CLI uses those keys instead of sesame's credential_process`,
      fix: "run: sesame import (an iam-user session of that name gets the key in the keyring, and the key leaves the file), or delete those keys",
    });
  }
  if (longLived.length) {
    add({ check: "credentials-file", status: "warn", message: `${file} holds long-lived keys for ${list(longLived)}`, fix: "run: sesame import to move them to the keyring" });
  }
  if (!shadowing.length && !longLived.length && !inConfig.length) add({ check: "credentials-file", status: "ok", message: `${file}: no long-lived keys` });
  checkBackups(file, configFile, add);
}

/**
 * The backups sesame import and profiles sync keep (FILE.sesame-backup) are plain copies: the one of the
 * credentials file holds the very keys import moved to the keyring, on purpose, until the user has seen
 * `aws` work. Say it is there and how to remove it; a config backup only when it holds a key.
 */
function checkBackups(credFile: string, configFile: string, add: (f: Finding) => void): void {
  const found: string[] = [];
  for (const f of [`${credFile}.sesame-backup`, `${configFile}.sesame-backup`]) {
    const text = readText(f);
    if (text === undefined) continue;
    const keys = [...keyIds(text, (h) => h.trim())].filter(([, id]) => !id.startsWith("ASIA"));
    if (keys.length) found.push(f);
  }
  if (!found.length) return;
  add({
    check: "credentials-file",
    status: "warn",
    message: `${list(found)} ${found.length > 1 ? "are plain copies" : "is a plain copy"} of ~/.aws from before sesame import, with the long-lived keys it moved to the keyring`,
    fix: `once aws commands work through sesame, delete ${found.length > 1 ? "them" : "it"}: rm ${found.join(" ")}`,
  });
}

/** The STS endpoint sesame would call, for a plain HTTPS request whose Date header gives STS's time. */
export function stsProbeUrl(cat: Catalog | undefined, env: Env): string {
  const override = endpointOverride("STS", env);
  if (override) return override;
  const region = cat?.defaults.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  return `https://sts.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}/`;
}

async function checkClock(cat: Catalog | undefined, env: Env, deps: DoctorDeps, add: (f: Finding) => void): Promise<void> {
  const url = stsProbeUrl(cat, env);
  const host = safeHost(url);
  const t0 = deps.now();
  let date: string | null;
  try {
    date = (await deps.probe(url)).date;
  } catch (e) {
    const err = e as { name?: string; cause?: { code?: string }; code?: string };
    const why = err.name === "TimeoutError" ? "timed out" : (err.cause?.code ?? err.code ?? err.name ?? "error");
    add({ check: "clock", status: "warn", message: `cannot reach STS at ${host} to compare clocks (${why})`, fix: "check the network connection and any AWS_ENDPOINT_URL_STS setting" });
    return;
  }
  const t1 = deps.now();
  const server = date ? Date.parse(date) : NaN;
  if (Number.isNaN(server)) {
    add({ check: "clock", status: "warn", message: `STS at ${host} sent no usable Date header to compare clocks with`, fix: "check any AWS_ENDPOINT_URL_STS setting" });
    return;
  }
  // Date has whole seconds: STS's time was somewhere in the second it names, so compare with its middle.
  const skew = Math.round((t0 + (t1 - t0) / 2 - (server + 500)) / 1000);
  const ahead = skew > 0 ? "ahead of" : "behind";
  if (Math.abs(skew) > MAX_SKEW_SECONDS) {
    add({ check: "clock", status: "fail", message: `this machine's clock is ${duration(Math.abs(skew))} ${ahead} STS (${host}): AWS refuses requests signed more than 15 minutes off, and credentials look expired or not yet valid`, fix: "sync the clock (e.g. timedatectl set-ntp true)" });
    return;
  }
  add({ check: "clock", status: "ok", message: `the clock agrees with STS (${host}) within ${Math.max(1, Math.abs(skew))} s` });
}

const ENTRY_RE = /^[0-9a-f]{64}\.cred$/;
const HOP_LOCK_RE = /^[0-9a-f]{64}\.lock$/;
const SSO_LOCK_RE = /^sso-[0-9a-f]{32}\.lock$/;
const TRANSIENT_RE = /^\..+\.tmp$|\.lock\.\d+\.stale$/;
/** Older than this, a lock or temporary file was left by a sesame that died (locks are taken over at 10–15 min). */
const STRAY_AGE_MS = 15 * 60_000;

function checkFolders(env: Env, now: number, add: (f: Finding) => void, keyringFile?: string): void {
  const problems: string[] = [];
  const fixes: string[] = [];
  const stray: string[] = [];
  const loose: string[] = [];
  const folder = (dir: string, what: string, allowed: (name: string, ageMs: number) => boolean, subfolders: string[] = []) => {
    let st;
    try {
      st = statSync(dir);
    } catch {
      return; // not created yet: nothing to check
    }
    if (!st.isDirectory()) {
      problems.push(`${what} ${dir} is not a folder`);
      fixes.push(`remove ${dir}`);
      return;
    }
    if ((st.mode & 0o077) !== 0) {
      problems.push(`${what} ${dir} is open to others (mode ${(st.mode & 0o777).toString(8)})`);
      fixes.push(`chmod 700 ${dir}`);
    }
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      let fst;
      try {
        fst = statSync(p);
      } catch {
        continue; // removed meanwhile
      }
      if (fst.isDirectory() && subfolders.includes(name)) continue; // sesame's own (state/generations)
      if (!allowed(name, now - fst.mtimeMs) || !fst.isFile()) stray.push(p);
      else if ((fst.mode & 0o077) !== 0) loose.push(p);
    }
  };
  const cache = cacheDir(env);
  const state = stateDir(env);
  folder(cache, "the cache folder", (n, age) => ENTRY_RE.test(n) || ((HOP_LOCK_RE.test(n) || SSO_LOCK_RE.test(n) || TRANSIENT_RE.test(n)) && age < STRAY_AGE_MS));
  // The state folder may hold more than the cache key in later versions: only its modes and old temporary files.
  folder(state, "the state folder", (n, age) => !TRANSIENT_RE.test(n) || age < STRAY_AGE_MS, ["generations"]);
  // The file keyring's folder: sesame never changes the mode of a folder it did not create, so say it here.
  if (keyringFile) {
    const dir = dirname(keyringFile);
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st?.isDirectory() && (st.mode & 0o077) !== 0) {
      problems.push(`the file keyring's folder ${dir} is open to others (mode ${(st.mode & 0o777).toString(8)})`);
      fixes.push(`chmod 700 ${dir}`);
    }
    const fst = statSync(keyringFile, { throwIfNoEntry: false });
    if (fst?.isFile() && (fst.mode & 0o077) !== 0) loose.push(keyringFile);
  }
  if (loose.length) {
    problems.push(`${list(loose.slice(0, 3))}${loose.length > 3 ? ` and ${loose.length - 3} more` : ""} can be read by others`);
    fixes.push(`chmod 600 ${loose.slice(0, 3).join(" ")}${loose.length > 3 ? " …" : ""}`);
  }
  if (stray.length) {
    problems.push(`stray file${stray.length > 1 ? "s" : ""} ${list(stray.slice(0, 3))}${stray.length > 3 ? ` and ${stray.length - 3} more` : ""} (not sesame's, or left by a sesame that stopped half-way)`);
    fixes.push(`if no sesame is running, remove ${stray.length > 1 ? "them" : "it"}: rm ${stray.slice(0, 3).join(" ")}${stray.length > 3 ? " …" : ""}`);
  }
  if (problems.length) add({ check: "cache", status: "warn", message: problems.join("; "), fix: fixes.join("; ") });
  else add({ check: "cache", status: "ok", message: `${cache} and ${state}: private (0700) and tidy` });
}

/** Every iam-user session has a key in the keyring (one finding for all; the keyring is opened once). */
async function checkKeys(cat: Catalog, env: Env, add: (f: Finding) => void): Promise<void> {
  const store = (await import("../store/open-secret-store.ts")).openSecretStore(env, cat.file);
  const { getAccessKey } = await import("../store/iam-user-keys.ts");
  const missing: string[] = [];
  const problems: string[] = [];
  const fixes: string[] = [];
  let n = 0;
  for (const s of cat.sessions.values()) {
    if (s.type !== "iam-user") continue;
    n++;
    try {
      if (!(await getAccessKey(store, s.name))) missing.push(s.name);
    } catch (e) {
      problems.push(`"${s.name}": ${(e as Error).message}`);
      fixes.push((e as SesameError).fix ?? `sesame secret set ${s.name}`);
    }
  }
  if (missing.length) {
    problems.unshift(`no access key is stored for ${list(missing)}`);
    fixes.unshift(missing.map((m) => `sesame secret set ${m}`).join("; "));
  }
  if (problems.length) add({ check: "keys", status: "warn", message: problems.join("; "), fix: fixes.join("; ") });
  else add({ check: "keys", status: "ok", message: `${count(n, "IAM user")}: a key is stored for each` });
}

async function checkSso(cat: Catalog, env: Env, now: number, keyringOk: boolean, add: (f: Finding) => void): Promise<void> {
  const { signInState } = await import("../sso/sign-in-state.ts");
  const store = keyringOk ? (await import("../store/open-secret-store.ts")).openSecretStore(env, cat.file) : undefined;
  for (const sso of cat.ssoSessions.values()) {
    try {
      add(ssoFinding(sso, await signInState(sso, store, env, now), store !== undefined, now));
    } catch (e) {
      add({ check: "sso", status: "warn", message: `"${sso.name}": the sign-in cannot be checked (${(e as Error).message})`, fix: "check the keyring" });
    }
  }
}

function ssoFinding(sso: SsoSessionDef, s: SignIn, keyringUsable: boolean, now: number): Finding {
  const name = `"${sso.name}"`;
  switch (s.state) {
    case "signed-in":
      return { check: "sso", status: "ok", message: `${name}: signed in until ${clock(new Date(s.until), now)}${s.renews ? ", renewed silently after that" : ""}` };
    case "renews-silently":
      return { check: "sso", status: "ok", message: `${name}: the sign-in is renewed silently on next use` };
    case "aws-cli":
      return { check: "sso", status: "ok", message: `${name}: signed in through the AWS CLI until ${clock(new Date(s.until), now)}` };
    default:
      if (!keyringUsable) return { check: "sso", status: "warn", message: `${name}: the sign-in cannot be checked (the keyring cannot be used)`, fix: "fix the keyring first" };
      return { check: "sso", status: "warn", message: `${name}: ${s.state === "expired" ? "the sign-in has expired" : "not signed in"}; its sessions need a login before they can be used`, fix: `run: sesame login ${sso.name}` };
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file).toString("latin1");
  } catch {
    return undefined;
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function list(names: string[]): string {
  return names.map((n) => `"${n}"`).join(", ");
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

function duration(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 3 * 3600) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 360) / 10} h`;
}
