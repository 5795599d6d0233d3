// `sesame import`, the pure part: the profiles of ~/.aws/config and ~/.aws/credentials → catalog sessions.
// No file, keyring or network access here; src/commands/import.ts does the effects.
//
// How a profile is read (botocore's rules): `[default]` or `[profile NAME]` in the config file, `[NAME]` in
// the credentials file; the credentials file's values win over the config file's for the same profile;
// option names are case-insensitive. What it becomes, in the order botocore's own resolver tries them:
//
//   role_arn + source_profile                → type "assume-role" (source = the source profile's session;
//                                               external_id, role_session_name, duration_seconds,
//                                               mfa_serial, region carried over)
//   role_arn + web_identity_token_file       → type "web-identity" (role_session_name, duration_seconds,
//                                               region carried over; the file is read on every renewal)
//   role_arn + credential_source, or neither → reported, left alone
//   sso_session / sso_account_id / sso_role_name → type "sso"; [sso-session X] → [sso-session.X]. A legacy
//                                               profile (sso_start_url + sso_region, no sso_session) uses an
//                                               sso-session with the same start URL and region, or a new one
//                                               named after the profile: one sign-in per portal, not one per
//                                               profile.
//   login_session (`aws login`)               → type "aws-login" (region carried over, share_with_aws_cli =
//                                               true); the command takes over the CLI's valid token
//   aws_session_token                         → reported (temporary keys: nothing long-lived to move)
//   aws_access_key_id + aws_secret_access_key → type "iam-user"; the key goes to the keyring (mfa_serial and
//                                               region carried over)
//   credential_process, or nothing usable     → reported, left alone
//
// The catalog only grows: the new tables are appended after the existing text, which stays byte for byte.
// A session name the catalog already has is never overwritten: when it stands for the same thing (same
// type, role, account) the profile counts as imported before ("already"), else it is reported and skipped.
// The result is validated exactly as sesame loads a catalog (catalogFromText, what loadCatalog runs); a session the validator refuses is dropped
// (with the validator's words as the reason), together with the sessions that depend on it.
import { CatalogError } from "../errors.ts";
import { catalogFromText } from "../catalog/catalog.ts";
import type { Catalog, Session, SessionType } from "../catalog/types.ts";
import { CHAINED_ROLE_CAP, DEFAULT_MARGIN, NAME_RE } from "../catalog/validate.ts";
import { tomlKey, tomlString } from "../catalog/toml-write.ts";
import { lineSafe } from "./line-safe.ts";
import { sesameCommand } from "./managed.ts";
import { bomOf, parseIni, profileOfHeader, type IniDoc, type Section } from "./ini.ts";
import { lineEnding } from "../text/lines.ts";

export interface StaticKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** the file the key was read from (the credentials file wins when both hold one) */
  file: "config" | "credentials";
}

export type TomlValue = string | number | boolean;

export type ProfileOutcome =
  /** a new session appended to the catalog */
  | { kind: "create"; profile: string; session: string; type: SessionType; table: Record<string, TomlValue>; key?: StaticKey; notes: string[] }
  /** the catalog already has this session, standing for the same thing (an earlier import, or written by hand) */
  | { kind: "already"; profile: string; session: string; type: SessionType; key?: StaticKey; notes: string[] }
  /** left alone, with the reason */
  | { kind: "skip"; profile: string; reason: string; fix?: string };

export interface SsoSessionOutcome {
  kind: "create" | "already" | "skip";
  name: string;
  /** where it came from: `[sso-session corp]`, or `profile "legacy"` for one synthesized from a legacy profile */
  from: string;
  table: Record<string, TomlValue>;
  reason?: string;
}

export interface ImportInput {
  /** text of ~/.aws/config ("" when absent) */
  config: string;
  /** text of ~/.aws/credentials ("" when absent) */
  credentials: string;
  /** the catalog's path (for messages) */
  catalogFile: string;
  /** the catalog's current text; undefined when there is no catalog yet */
  catalogText?: string;
  /** a comment line written above the imported tables, e.g. "imported from ~/.aws/config by sesame import" */
  note?: string;
}

export interface ImportPlan {
  profiles: ProfileOutcome[];
  ssoSessions: SsoSessionOutcome[];
  /** the catalog text after the import (=== catalogText when nothing is added) */
  text: string;
  /** what is appended (empty when nothing) */
  appended: string;
  changed: boolean;
  /** the catalog as sesame will load it after the import */
  catalog: Catalog;
}

/** Every option of a profile, lowercased, with the file it came from. */
export interface AwsProfile {
  name: string;
  options: Map<string, { value: string; file: "config" | "credentials" }>;
  inConfig: boolean;
  inCredentials: boolean;
  /** `sesame_managed = true`: a profile `sesame profiles sync` wrote */
  managed: boolean;
}

export interface AwsSsoSession {
  name: string;
  options: Map<string, string>;
}

export const KEY_ID_OPTION = "aws_access_key_id";
export const SECRET_OPTION = "aws_secret_access_key";
export const TOKEN_OPTIONS = ["aws_session_token", "aws_security_token"];


// ---------------------------------------------------------------------------------------------------
// Reading the two files

function sectionOptions(doc: IniDoc, s: Section): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = s.start + 1; i < s.end; i++) {
    const l = doc.lines[i]!;
    if (l.kind === "key") out.set(l.name!, l.value!);
  }
  return out;
}

/** The profiles of both files, merged as botocore merges them (credentials over config), in file order. */
export function readAwsProfiles(configText: string, credentialsText: string): { profiles: Map<string, AwsProfile>; ssoSessions: Map<string, AwsSsoSession> } {
  const profiles = new Map<string, AwsProfile>();
  const ssoSessions = new Map<string, AwsSsoSession>();
  const get = (name: string): AwsProfile => {
    let p = profiles.get(name);
    if (!p) {
      p = { name, options: new Map(), inConfig: false, inCredentials: false, managed: false };
      profiles.set(name, p);
    }
    return p;
  };
  const config = parseIni(configText);
  for (const s of config.sections) {
    if (s.header === undefined) continue;
    const sso = /^sso-session\s+(\S+)\s*$/.exec(s.header.trim());
    if (sso) {
      const prev = ssoSessions.get(sso[1]!);
      const opts = sectionOptions(config, s);
      ssoSessions.set(sso[1]!, { name: sso[1]!, options: prev ? new Map([...prev.options, ...opts]) : opts });
      continue;
    }
    const name = profileOfHeader(s.header);
    if (name === undefined) continue;
    const p = get(name);
    p.inConfig = true;
    for (const [k, v] of sectionOptions(config, s)) {
      p.options.set(k, { value: v, file: "config" });
      if (k === "sesame_managed" && v.toLowerCase() === "true") p.managed = true;
    }
  }
  const creds = parseIni(credentialsText);
  for (const s of creds.sections) {
    if (s.header === undefined) continue;
    const p = get(s.header.trim());
    p.inCredentials = true;
    for (const [k, v] of sectionOptions(creds, s)) p.options.set(k, { value: v, file: "credentials" });
  }
  return { profiles, ssoSessions };
}

// ---------------------------------------------------------------------------------------------------
// Translating one profile

type Draft =
  | { kind: "assume-role"; profile: string; sourceProfile: string; table: Record<string, TomlValue>; notes: string[] }
  | { kind: "sso"; profile: string; ssoRef: SsoRef; table: Record<string, TomlValue>; notes: string[] }
  | { kind: "iam-user"; profile: string; key: StaticKey; table: Record<string, TomlValue>; notes: string[] }
  | { kind: "web-identity"; profile: string; table: Record<string, TomlValue>; notes: string[] }
  | { kind: "aws-login"; profile: string; table: Record<string, TomlValue>; notes: string[] }
  | { kind: "skip"; profile: string; reason: string; fix?: string };

type SsoRef = { named: string } | { legacy: { startUrl: string; region: string; profile: string } };

const opt = (p: AwsProfile, k: string): string | undefined => {
  const v = p.options.get(k)?.value;
  return v === undefined || v === "" ? undefined : v;
};

function copyOptional(p: AwsProfile, table: Record<string, TomlValue>, keys: string[]): void {
  for (const k of keys) {
    const v = opt(p, k);
    if (v !== undefined) table[k] = v;
  }
}

function translate(p: AwsProfile, margin: number): Draft {
  const skip = (reason: string, fix?: string): Draft => (fix ? { kind: "skip", profile: p.name, reason, fix } : { kind: "skip", profile: p.name, reason });
  const has = (k: string) => opt(p, k) !== undefined;
  const where = p.inConfig ? "~/.aws/config" : "~/.aws/credentials";

  // A profile sesame manages is done — unless keys in the credentials file shadow it (doctor's warning):
  // those are read as an iam-user's, to be moved into the keyring like any other.
  if (p.managed && p.options.get(KEY_ID_OPTION)?.file !== "credentials") return skip("already points at sesame (sesame_managed = true)");
  if (!NAME_RE.test(p.name)) return skip(`"${p.name}" cannot be a sesame session name`, "rename the profile to letters, digits and _ . + @ = - (at most 64) and import again");

  if (has("role_arn")) {
    const roleArn = opt(p, "role_arn")!;
    if (has("source_profile") && has("credential_source")) return skip("sets both source_profile and credential_source (the AWS CLI refuses it too)");
    if (has("credential_source")) return skip(`credential_source = ${opt(p, "credential_source")} has no sesame equivalent`, `it stays in ${where} as it is`);
    if (has("web_identity_token_file")) {
      if (has("source_profile")) return skip("sets both source_profile and web_identity_token_file");
      // The AWS CLI's web identity profile: the token file is read again on every renewal, as the CLI does.
      const table: Record<string, TomlValue> = { type: "web-identity", role_arn: roleArn, web_identity_token_file: opt(p, "web_identity_token_file")! };
      const notes: string[] = [];
      copyOptional(p, table, ["role_session_name"]);
      const bad = roleDuration(p, table, notes, margin);
      if (bad) return skip(bad);
      copyOptional(p, table, ["region"]);
      return { kind: "web-identity", profile: p.name, table, notes };
    }
    if (!has("source_profile")) return skip("role_arn without source_profile or credential_source");
    const source = opt(p, "source_profile")!;
    if (source === p.name) return skip("its source_profile is the profile itself (keys and role in one profile)", "move the keys to a profile of their own, point source_profile at it, and import again");
    const table: Record<string, TomlValue> = { type: "assume-role", source, role_arn: roleArn };
    const notes: string[] = [];
    copyOptional(p, table, ["external_id", "role_session_name"]);
    // Above 1 hour stays only when the source is an iam-user (assumed with its key): decided in resolve().
    const bad = roleDuration(p, table, notes, margin);
    if (bad) return skip(bad);
    copyOptional(p, table, ["mfa_serial", "region"]);
    return { kind: "assume-role", profile: p.name, sourceProfile: source, table, notes };
  }

  if (has("sso_session") || has("sso_account_id") || has("sso_role_name") || has("sso_start_url")) {
    const account = opt(p, "sso_account_id");
    const role = opt(p, "sso_role_name");
    if (!account || !role) return skip("an IAM Identity Center profile without sso_account_id and sso_role_name (it only signs in)", has("sso_session") ? `its [sso-session ${opt(p, "sso_session")}] is imported; run sesame sso sync ${opt(p, "sso_session")} to add every account and role it reaches` : undefined);
    let ssoRef: SsoRef;
    if (has("sso_session")) ssoRef = { named: opt(p, "sso_session")! };
    else {
      const startUrl = opt(p, "sso_start_url");
      const region = opt(p, "sso_region");
      if (!startUrl || !region) return skip("a legacy IAM Identity Center profile needs both sso_start_url and sso_region");
      ssoRef = { legacy: { startUrl, region, profile: p.name } };
    }
    const table: Record<string, TomlValue> = { type: "sso", sso_session: "", sso_account_id: account, sso_role_name: role };
    copyOptional(p, table, ["region"]);
    return { kind: "sso", profile: p.name, ssoRef, table, notes: [] };
  }

  if (has("login_session")) {
    // `aws login` (AWS CLI 2.32+): the console sign-in. Shared with the AWS CLI, as it was: the command
    // takes the CLI's valid token over, and each tool then uses what the other refreshed.
    const table: Record<string, TomlValue> = { type: "aws-login", login_session: opt(p, "login_session")!, share_with_aws_cli: true };
    copyOptional(p, table, ["region"]);
    return { kind: "aws-login", profile: p.name, table, notes: ["the AWS CLI's sign-in (~/.aws/login/cache) is shared: sesame and aws keep it current for each other"] };
  }

  if (TOKEN_OPTIONS.some(has)) return skip("holds temporary keys (aws_session_token): nothing long-lived to move", "they expire by themselves; delete the profile when you no longer need it");

  if (has(KEY_ID_OPTION) || has(SECRET_OPTION)) {
    const id = p.options.get(KEY_ID_OPTION);
    const secret = p.options.get(SECRET_OPTION);
    if (!id?.value || !secret?.value) return skip(`has ${id?.value ? SECRET_OPTION : KEY_ID_OPTION} missing`);
    if (id.value.startsWith("ASIA")) return skip("holds a temporary access key (ASIA…) without its session token");
    if (!/^[A-Z0-9]{16,128}$/.test(id.value)) return skip(`its ${KEY_ID_OPTION} does not look like an access key id`);
    const table: Record<string, TomlValue> = { type: "iam-user" };
    copyOptional(p, table, ["mfa_serial", "region"]);
    const notes = table.mfa_serial ? [`mfa_serial carried over: sesame asks for a code when it calls GetSessionToken with this key`] : [];
    return { kind: "iam-user", profile: p.name, key: { accessKeyId: id.value, secretAccessKey: secret.value, file: id.file }, table, notes };
  }

  if (has("credential_process")) {
    if (sesameCommand(opt(p, "credential_process")!)) return skip("already runs sesame credential-process (nothing to move)");
    return skip("uses its own credential_process", `it stays in ${where} as it is`);
  }
  return skip("holds no credentials (nothing to import)");
}

// ---------------------------------------------------------------------------------------------------
// The plan

/** Is the existing catalog session the same thing the profile stands for? */
function sameAs(existing: Session, d: Exclude<Draft, { kind: "skip" }>, sourceSession: string | undefined): boolean {
  if (existing.type !== d.kind) return false;
  switch (existing.type) {
    case "iam-user":
      return true; // whether the keyring holds the same key is for the command to check
    case "assume-role":
      return existing.role_arn === d.table.role_arn && existing.source === sourceSession;
    case "sso":
      return existing.sso_account_id === d.table.sso_account_id && existing.sso_role_name === d.table.sso_role_name;
    case "web-identity":
      return existing.role_arn === d.table.role_arn && existing.web_identity_token_file === d.table.web_identity_token_file;
    case "aws-login":
      return existing.login_session === d.table.login_session;
    default:
      return false;
  }
}

const trimSlash = (u: string) => u.replace(/\/+$/, "");

export function planImport(input: ImportInput): ImportPlan {
  const existing = input.catalogText === undefined ? undefined : catalogFromText(input.catalogFile, input.catalogText);
  const margin = existing?.defaults.refreshMargin ?? DEFAULT_MARGIN;
  const { profiles, ssoSessions: awsSso } = readAwsProfiles(input.config, input.credentials);

  // sso-sessions: the catalog's, then those of ~/.aws/config, then synthesized ones for legacy profiles.
  const ssoOut: SsoSessionOutcome[] = [];
  const ssoByName = new Map<string, { url: string; region: string; outcome?: SsoSessionOutcome }>();
  for (const s of existing?.ssoSessions.values() ?? []) ssoByName.set(s.name, { url: s.sso_start_url, region: s.sso_region });
  for (const s of awsSso.values()) {
    const url = s.options.get("sso_start_url") ?? "";
    const region = s.options.get("sso_region") ?? "";
    const from = `[sso-session ${s.name}]`;
    const table: Record<string, TomlValue> = { sso_start_url: url, sso_region: region };
    const scopes = s.options.get("sso_registration_scopes");
    if (scopes) table.sso_registration_scopes = scopes;
    const have = ssoByName.get(s.name);
    let o: SsoSessionOutcome;
    if (!url || !region) o = { kind: "skip", name: s.name, from, table, reason: "needs sso_start_url and sso_region" };
    else if (!NAME_RE.test(s.name)) o = { kind: "skip", name: s.name, from, table, reason: `"${s.name}" cannot be a sesame sso-session name` };
    else if (have && (trimSlash(have.url) !== trimSlash(url) || have.region !== region)) {
      o = { kind: "skip", name: s.name, from, table, reason: `the catalog's [sso-session.${s.name}] has another start URL or region` };
    } else o = { kind: have ? "already" : "create", name: s.name, from, table };
    ssoOut.push(o);
    if (!have) ssoByName.set(s.name, { url, region, outcome: o });
  }
  const ssoUsable = (name: string): { ok: true } | { ok: false; reason: string } => {
    const o = ssoOut.find((x) => x.name === name);
    if (o?.kind === "skip") return { ok: false, reason: `its [sso-session ${name}] is not imported (${o.reason})` };
    if (!ssoByName.has(name)) return { ok: false, reason: `sso_session = ${name} names no [sso-session ${name}]` };
    return { ok: true };
  };
  const legacySso = (l: { startUrl: string; region: string; profile: string }): string => {
    for (const [name, s] of ssoByName) {
      if (trimSlash(s.url) === trimSlash(l.startUrl) && s.region === l.region && s.outcome?.kind !== "skip") return name;
    }
    let name = l.profile;
    for (let n = 1; ssoByName.has(name); n++) name = n === 1 ? `${l.profile}-sso` : `${l.profile}-sso-${n}`;
    const o: SsoSessionOutcome = { kind: "create", name, from: `profile "${l.profile}"`, table: { sso_start_url: l.startUrl, sso_region: l.region } };
    ssoOut.push(o);
    ssoByName.set(name, { url: l.startUrl, region: l.region, outcome: o });
    return name;
  };

  // Profiles → drafts → outcomes. A draft whose source (or sso-session) does not make it is skipped too.
  const drafts = new Map<string, Draft>();
  for (const p of profiles.values()) {
    const d = translate(p, margin);
    if (d.kind === "sso") {
      if ("named" in d.ssoRef) {
        const u = ssoUsable(d.ssoRef.named);
        if (!u.ok) {
          drafts.set(p.name, { kind: "skip", profile: p.name, reason: u.reason });
          continue;
        }
        // The AWS CLI refuses a profile whose own sso_start_url/sso_region differ from its session's.
        const s = ssoByName.get(d.ssoRef.named)!;
        const url = opt(p, "sso_start_url");
        const region = opt(p, "sso_region");
        if ((url && trimSlash(url) !== trimSlash(s.url)) || (region && region !== s.region)) {
          drafts.set(p.name, { kind: "skip", profile: p.name, reason: `its sso_start_url or sso_region differs from [sso-session ${d.ssoRef.named}] (the AWS CLI refuses it too)` });
          continue;
        }
        d.table.sso_session = d.ssoRef.named;
      } else d.table.sso_session = legacySso(d.ssoRef.legacy);
    }
    drafts.set(p.name, d);
  }

  const outcomes = new Map<string, ProfileOutcome>();
  const resolving = new Set<string>();
  const resolve = (name: string): ProfileOutcome => {
    const done = outcomes.get(name);
    if (done) return done;
    const d = drafts.get(name)!;
    let o: ProfileOutcome;
    if (d.kind === "skip") o = d.fix ? { kind: "skip", profile: name, reason: d.reason, fix: d.fix } : { kind: "skip", profile: name, reason: d.reason };
    else {
      let sourceSession: string | undefined;
      let blocked: string | undefined;
      if (d.kind === "assume-role") {
        const src = d.sourceProfile;
        if (resolving.has(src)) blocked = `its chain of source_profile loops back to "${src}"`;
        else if (!drafts.has(src)) blocked = `its source_profile "${src}" does not exist`;
        else {
          resolving.add(name);
          const so = resolve(src);
          resolving.delete(name);
          if (so.kind === "skip") blocked = `its source_profile "${src}" is not imported (${so.reason})`;
          else {
            sourceSession = so.session;
            // STS caps a role assumed with temporary credentials at 1 hour; from an IAM user's key it may last 12.
            const n = d.table.duration_seconds;
            if (typeof n === "number" && n > CHAINED_ROLE_CAP && so.type !== "iam-user") {
              d.notes.push(`duration_seconds ${n} lowered to ${CHAINED_ROLE_CAP}: sesame assumes the role with temporary credentials, and STS caps such chained roles at 1 hour`);
              d.table.duration_seconds = CHAINED_ROLE_CAP;
            }
          }
        }
      }
      const have = existing?.sessions.get(name);
      if (blocked) o = { kind: "skip", profile: name, reason: blocked };
      else if (have && !sameAs(have, d, sourceSession)) {
        o = profiles.get(name)?.managed
          ? { kind: "skip", profile: name, reason: `the credentials file holds keys for it, which shadow sesame's credential_process, and session "${name}" is of type ${have.type}, not an IAM user`, fix: `remove the [${name}] keys from the credentials file` }
          : { kind: "skip", profile: name, reason: `the catalog already has a session "${name}" (type ${have.type}) that stands for something else`, fix: "rename one of the two and import again" };
      } else if (have) {
        o = { kind: "already", profile: name, session: name, type: d.kind, notes: [], ...(d.kind === "iam-user" ? { key: d.key } : {}) };
      } else {
        o = { kind: "create", profile: name, session: name, type: d.kind, table: d.table, notes: d.notes, ...(d.kind === "iam-user" ? { key: d.key } : {}) };
      }
    }
    outcomes.set(name, o);
    return o;
  };
  for (const name of drafts.keys()) resolve(name);

  // Render, validate as sesame would load it, drop what the validator refuses, repeat.
  const file = input.catalogFile;
  const base = input.catalogText ?? "";
  const eol = base ? lineEnding(base) : "\n";
  for (;;) {
    const r = render(base, eol, ssoOut, [...outcomes.values()], input.note);
    if (!r.appended) return finish(r.text, "", existing ?? catalogFromText(file, base));
    try {
      return finish(r.text, r.appended, catalogFromText(file, r.text)); // what loadCatalog does with the file's text
    } catch (e) {
      if (!(e instanceof CatalogError)) throw e;
      const line = e.pos?.line;
      const block = line === undefined ? undefined : r.blocks.find((b) => line >= b.from && line <= b.to);
      if (!block) throw new CatalogError(file, e.pos, `the sessions sesame import would add make the catalog invalid: ${whatOf(e)}`, e.fix);
      drop(block, `the catalog would refuse it: ${whatOf(e)}${e.fix ? ` (${e.fix})` : ""}`);
    }
  }

  function drop(block: Block, reason: string): void {
    if (block.kind === "sso-session") {
      const o = ssoOut.find((x) => x.name === block.name)!;
      o.kind = "skip";
      o.reason = reason;
      for (const p of outcomes.values()) {
        if (p.kind === "create" && p.type === "sso" && p.table.sso_session === block.name) dropSession(p.profile, `its sso-session "${block.name}" is not imported (${reason})`);
      }
      return;
    }
    dropSession(block.name, reason);
  }

  function dropSession(name: string, reason: string): void {
    outcomes.set(name, { kind: "skip", profile: name, reason });
    for (const p of outcomes.values()) {
      if (p.kind === "create" && p.type === "assume-role" && p.table.source === name) dropSession(p.profile, `its source_profile "${name}" is not imported (${reason})`);
    }
  }

  function finish(text: string, appended: string, catalog: Catalog): ImportPlan {
    // Synthesized sso-sessions nobody ended up using are not written (render skips them too).
    return { profiles: [...outcomes.values()], ssoSessions: ssoOut.filter((o) => o.kind !== "create" || used(o.name) || o.from.startsWith("[")), text, appended, changed: text !== base, catalog };
  }

  function used(sso: string): boolean {
    for (const p of outcomes.values()) if (p.kind === "create" && p.type === "sso" && p.table.sso_session === sso) return true;
    return false;
  }
}

/** The validator's words without the file and position (that file does not exist yet). */
function whatOf(e: CatalogError): string {
  return e.what;
}

interface Block {
  kind: "sso-session" | "session";
  name: string;
  /** 1-based line numbers in the whole new text, inclusive */
  from: number;
  to: number;
}

function render(base: string, eol: string, sso: SsoSessionOutcome[], profiles: ProfileOutcome[], note: string | undefined): { text: string; appended: string; blocks: Block[] } {
  if (note !== undefined) lineSafe(note, "the comment", "the catalog", "use paths without line breaks or control characters");
  const creates = profiles.filter((p): p is Extract<ProfileOutcome, { kind: "create" }> => p.kind === "create");
  const usedSso = new Set(creates.filter((p) => p.type === "sso").map((p) => String(p.table.sso_session)));
  // sso-sessions of ~/.aws/config are imported even when no profile uses them; synthesized ones only when used.
  const ssoCreates = sso.filter((o) => o.kind === "create" && (o.from.startsWith("[") || usedSso.has(o.name)));
  if (creates.length === 0 && ssoCreates.length === 0) return { text: base, appended: "", blocks: [] };

  const lines: string[] = [];
  // Line number (1-based) of the first appended line in the whole text.
  const baseLines = base === "" ? 0 : base.split("\n").length - (base.endsWith("\n") ? 1 : 0);
  let prefix = "";
  if (base !== "" && !base.endsWith("\n")) prefix = eol;
  if (base !== "") lines.push("");
  if (note) lines.push(`# ${note}`);
  const blocks: Block[] = [];
  const emit = (kind: Block["kind"], name: string, table: Record<string, TomlValue>) => {
    if (lines.length && lines.at(-1) !== "" && !lines.at(-1)!.startsWith("#")) lines.push("");
    const from = baseLines + lines.length + 1;
    lines.push(`[${kind}.${tomlKey(name)}]`);
    for (const [k, v] of Object.entries(table)) lines.push(`${k} = ${typeof v === "string" ? tomlString(v) : String(v)}`);
    blocks.push({ kind, name, from, to: baseLines + lines.length });
  };
  for (const o of ssoCreates) emit("sso-session", o.name, o.table);
  for (const p of creates) emit("session", p.session, p.table);
  const appended = prefix + lines.map((l) => l + eol).join("");
  return { text: base + appended, appended, blocks };
}

// ---------------------------------------------------------------------------------------------------
// Removing moved keys from ~/.aws/credentials

export interface StripOutcome {
  text: string;
  /** profiles whose key lines were removed */
  stripped: string[];
  /** of those, the ones whose whole section went (nothing but the keys was in it) */
  sectionsRemoved: string[];
}

const KEY_OPTIONS = new Set([KEY_ID_OPTION, SECRET_OPTION]);

/**
 * Removes aws_access_key_id / aws_secret_access_key from the credentials-file sections of `keys` — only
 * where the file still holds exactly that key id — and the whole section when nothing else was in it
 * (comments inside it go with it; blank lines and comments after its last key are left, as they usually
 * introduce the next section). Every other byte stays. Works on latin1 text, like the config writer.
 */
export function stripCredentials(fileText: string, keys: ReadonlyMap<string, string>): StripOutcome {
  // The byte order mark belongs to the file: it stays in front, whatever section goes.
  const bom = bomOf(fileText);
  const r = stripBody(fileText.slice(bom.length), keys);
  return { ...r, text: bom + r.text };
}

function stripBody(text: string, keys: ReadonlyMap<string, string>): StripOutcome {
  const doc = parseIni(text);
  const deleted = new Array<boolean>(doc.lines.length).fill(false);
  const out: StripOutcome = { text, stripped: [], sectionsRemoved: [] };
  for (const s of doc.sections) {
    if (s.header === undefined) continue;
    const name = s.header.trim();
    const want = keys.get(name);
    if (want === undefined) continue;
    const opts = sectionOptions(doc, s);
    if (opts.get(KEY_ID_OPTION) !== want) continue;
    let last = s.start; // last line of the section that is not blank or a comment
    let others = false;
    let dropping = false;
    for (let i = s.start + 1; i < s.end; i++) {
      const l = doc.lines[i]!;
      if (l.kind === "key") dropping = KEY_OPTIONS.has(l.name!);
      else if (l.kind !== "continuation") dropping = false;
      if (l.kind !== "blank" && l.kind !== "comment") last = i;
      if (dropping) deleted[i] = true;
      else if (l.kind !== "blank" && l.kind !== "comment") others = true;
    }
    out.stripped.push(name);
    if (!others) {
      for (let i = s.start; i <= last; i++) deleted[i] = true;
      // One blank line next to the removed section goes too, so no gap is left behind.
      let prev = s.start - 1;
      while (prev >= 0 && deleted[prev]) prev--;
      let next = last + 1;
      while (next < doc.lines.length && deleted[next]) next++;
      const blank = (i: number) => doc.lines[i]!.kind === "blank";
      if (prev >= 0 && blank(prev) && (next >= doc.lines.length || blank(next))) deleted[prev] = true;
      else if (prev < 0 && next < doc.lines.length && blank(next)) deleted[next] = true;
      out.sectionsRemoved.push(name);
    }
  }
  if (out.stripped.length === 0) return out;
  let t = "";
  doc.lines.forEach((l, i) => {
    if (!deleted[i]) t += l.text + l.eol;
  });
  out.text = t;
  return out;
}

/** aws_secret_access_key / aws_session_token values (and key ids, but their last 4) hidden in INI text or a diff of it. */
export function redactIniSecrets(text: string): string {
  return text.replace(/^([-+ ]?[ \t]*(aws_secret_access_key|aws_session_token|aws_security_token|aws_access_key_id)[ \t]*[=:][ \t]*)(\S[^\r\n]*)$/gim, (_m, head: string, key: string, value: string) => {
    if (key.toLowerCase() === "aws_access_key_id") return `${head}****${value.trim().slice(-4)}`;
    return `${head}****`;
  });
}

/** A role profile's duration_seconds into the session (or a note why it is dropped); the reason to skip the
 *  profile when it is not a whole number of seconds. */
function roleDuration(p: AwsProfile, table: Record<string, TomlValue>, notes: string[], margin: number): string | undefined {
  const d = opt(p, "duration_seconds");
  if (d === undefined) return undefined;
  if (!/^\d+$/.test(d)) return `duration_seconds = ${d} is not a whole number of seconds`;
  const n = Number(d);
  if (n <= margin) notes.push(`duration_seconds ${n} dropped: it is not longer than refresh_margin (${margin}s), so STS's default (1 hour) is used`);
  else table.duration_seconds = n;
  return undefined;
}

