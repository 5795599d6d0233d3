// Adds, updates and removes sesame's own [profile NAME] blocks in ~/.aws/config text, and nothing else.
// A block is sesame's when it holds `sesame_managed = true` (the marker lives inside the section, as
// granted marks its profiles with granted_* keys, so it survives `aws configure set` rewrites and the
// AWS CLI ignores it). Every line outside the blocks sesame owns comes back as it was.
//
// A block owns its header and the lines up to its last key; blank lines and comments after that are
// left alone, because they usually introduce the next section. Keys a user added to a managed block
// (output = json, cli_pager = …) are kept on update: sesame rewrites only the keys it writes.
import { lineEnding, parseIni, profileOfHeader, renderLines, type IniDoc, type Line, type Section } from "./ini.ts";

export const MANAGED_KEY = "sesame_managed";
const OWN_KEYS = new Set([MANAGED_KEY, "credential_process", "region"]);
/**
 * What tells the AWS CLI where a profile's credentials come from. An adopted profile (see SyncOptions.adopt)
 * loses these, so nothing wins over its credential_process; its other settings (output, cli_pager, s3 …) stay.
 */
export const CREDENTIAL_KEYS = new Set([
  "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token",
  "role_arn", "source_profile", "credential_source", "external_id", "role_session_name", "duration_seconds", "mfa_serial",
  "web_identity_token_file", "sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name", "sso_registration_scopes",
]);

export interface WantedProfile {
  name: string;
  /** the whole credential_process value, already quoted (see commandLine) */
  credentialProcess: string;
  region?: string;
}

export interface SyncOutcome {
  text: string;
  added: string[];
  updated: string[];
  removed: string[];
  /** names a profile sesame does not manage already uses */
  skipped: string[];
  /** profiles sesame did not manage before and now does (SyncOptions.adopt) */
  adopted: string[];
}

export interface SyncOptions {
  /**
   * Profile names sesame takes over even though it did not write them (`sesame import`: the user asked to
   * move those profiles to sesame). The first section of that name becomes a managed block in place (its
   * header, then sesame's keys, then the user's keys that are not about credentials); any other section of
   * that name goes. Without it, a profile sesame does not manage is never touched (`skipped`).
   */
  adopt?: ReadonlySet<string>;
}

type Out = { text: string; eol: string };

export function isManaged(doc: IniDoc, s: Section): boolean {
  for (let i = s.start + 1; i < s.end; i++) {
    const l = doc.lines[i]!;
    if (l.kind === "key" && l.name === MANAGED_KEY && l.value!.toLowerCase() === "true") return true;
  }
  return false;
}

/** One past the block's last header, key, continuation or unparsable line. */
export function ownedEnd(doc: IniDoc, s: Section): number {
  let end = s.start + 1;
  for (let i = s.start + 1; i < s.end; i++) {
    const k = doc.lines[i]!.kind;
    if (k !== "blank" && k !== "comment") end = i + 1;
  }
  return end;
}

function ownLines(p: WantedProfile, eol: string): Out[] {
  const out: Out[] = [
    { text: `${MANAGED_KEY} = true`, eol },
    { text: `credential_process = ${p.credentialProcess}`, eol },
  ];
  if (p.region) out.push({ text: `region = ${p.region}`, eol });
  return out;
}

/** The new text of a managed block: its header as it was, sesame's keys, then whatever else the user put in it. */
function updatedBlock(doc: IniDoc, s: Section, p: WantedProfile, eol: string, adopting = false): Out[] {
  const header = doc.lines[s.start]!;
  const kept: Out[] = [];
  let droppingContinuation = false;
  for (let i = s.start + 1; i < ownedEnd(doc, s); i++) {
    const l = doc.lines[i]!;
    if (l.kind === "key") droppingContinuation = OWN_KEYS.has(l.name!) || (adopting && CREDENTIAL_KEYS.has(l.name!));
    else if (l.kind !== "continuation") droppingContinuation = false;
    if (!droppingContinuation) kept.push(l);
  }
  return [{ text: header.text, eol: header.eol || eol }, ...ownLines(p, eol), ...kept];
}

export function syncProfiles(text: string, wanted: readonly WantedProfile[], opts: SyncOptions = {}): SyncOutcome {
  const doc = parseIni(text);
  const eol = lineEnding(text);
  const outcome: SyncOutcome = { text, added: [], updated: [], removed: [], skipped: [], adopted: [] };

  const byName = new Map<string, { managed: Section[]; foreign: boolean; all: Section[] }>();
  for (const s of doc.sections) {
    const name = profileOfHeader(s.header);
    if (name === undefined) continue;
    const e = byName.get(name) ?? { managed: [], foreign: false, all: [] };
    if (isManaged(doc, s)) e.managed.push(s);
    else e.foreign = true;
    e.all.push(s);
    byName.set(name, e);
  }

  const replaceAt = new Map<number, Out[]>();
  const deleted = new Array<boolean>(doc.lines.length).fill(false);
  const removals: Section[] = [];
  const kept: Section[] = [];
  const toAdd: WantedProfile[] = [];
  const wantedNames = new Set(wanted.map((w) => w.name));

  for (const w of wanted) {
    const e = byName.get(w.name);
    if (e?.foreign && opts.adopt?.has(w.name)) {
      const [first, ...others] = e.all;
      kept.push(first!);
      removals.push(...others);
      replaceAt.set(first!.start, updatedBlock(doc, first!, w, eol, true));
      for (let i = first!.start; i < ownedEnd(doc, first!); i++) deleted[i] = true;
      outcome.adopted.push(w.name);
      continue;
    }
    if (e?.foreign) {
      // Never take over someone else's profile; a managed twin of it would make the file invalid
      // (botocore refuses duplicate sections), so it goes.
      outcome.skipped.push(w.name);
      removals.push(...e.managed);
      continue;
    }
    if (!e || e.managed.length === 0) {
      toAdd.push(w);
      continue;
    }
    const [first, ...dupes] = e.managed;
    kept.push(first!);
    removals.push(...dupes);
    const next = updatedBlock(doc, first!, w, eol);
    const end = ownedEnd(doc, first!);
    if (renderLines(next) !== renderLines(doc.lines.slice(first!.start, end))) {
      replaceAt.set(first!.start, next);
      for (let i = first!.start; i < end; i++) deleted[i] = true;
      outcome.updated.push(w.name);
    }
  }
  for (const [name, e] of byName) if (!wantedNames.has(name)) removals.push(...e.managed);

  removals.sort((a, b) => a.start - b.start);
  for (const s of removals) {
    const end = ownedEnd(doc, s);
    for (let i = s.start; i < end; i++) deleted[i] = true;
    tidyAround(doc.lines, deleted, s.start, end);
    outcome.removed.push(profileOfHeader(s.header)!);
  }

  // New blocks go after the last block sesame keeps, so its profiles stay together; else at the end.
  const last = kept.sort((a, b) => a.start - b.start).at(-1);
  const addAt = last ? ownedEnd(doc, last) : doc.lines.length;
  outcome.added = toAdd.map((w) => w.name);

  if (toAdd.length === 0 && replaceAt.size === 0 && removals.length === 0) return outcome;

  const out: Out[] = [];
  const emitAdditions = () => {
    for (const w of toAdd) {
      const prev = out.at(-1);
      if (prev) {
        if (prev.eol === "") out[out.length - 1] = { text: prev.text, eol };
        if (prev.text.trim() !== "") out.push({ text: "", eol });
      }
      out.push({ text: `[profile ${w.name}]`, eol }, ...ownLines(w, eol));
    }
    // Keep a blank line between the new blocks and a section that follows at once.
    const following = replaceAt.get(addAt)?.[0] ?? doc.lines.slice(addAt).find((_, j) => !deleted[addAt + j]);
    if (toAdd.length && following && following.text.trim() !== "") out.push({ text: "", eol });
  };
  for (let i = 0; i <= doc.lines.length; i++) {
    if (i === addAt) emitAdditions();
    const r = replaceAt.get(i);
    if (r) out.push(...r);
    if (i < doc.lines.length && !deleted[i]) out.push(doc.lines[i]!);
  }
  outcome.text = renderLines(out);
  return outcome;
}

/**
 * After a block is cut out, one blank line next to it goes too, so add-then-remove leaves the file as
 * it was instead of piling up blank lines: the one before it when nothing (or a blank) follows, or the
 * one after it when the block opened the file.
 */
function tidyAround(lines: readonly Line[], deleted: boolean[], start: number, end: number): void {
  let prev = start - 1;
  while (prev >= 0 && deleted[prev]) prev--;
  let next = end;
  while (next < lines.length && deleted[next]) next++;
  const blank = (i: number) => lines[i]!.kind === "blank";
  const hasNext = next < lines.length;
  if (prev >= 0 && blank(prev) && (!hasNext || blank(next))) deleted[prev] = true;
  else if (prev < 0 && hasNext && blank(next)) deleted[next] = true;
}

/**
 * The credential_process value for an argv. botocore splits it with shlex (POSIX) or Windows rules;
 * the JavaScript, Go and Rust SDKs hand it to `sh -c` / cmd.exe. Plain words need no quoting; a word
 * with spaces gets double quotes, which every one of those readers undoes the same way; a word holding
 * characters that double quotes do not protect alike in sh and shlex ($, `, \, ") gets single quotes.
 */
export function commandLine(argv: readonly string[], platform: string = process.platform): string {
  return argv.map((a) => quoteWord(a, platform)).join(" ");
}

function quoteWord(w: string, platform: string): string {
  if (platform === "win32") return /[\s"]/.test(w) || w === "" ? `"${w.replace(/"/g, '\\"')}"` : w;
  if (/^[A-Za-z0-9_\/.:+@=,%-]+$/.test(w)) return w;
  if (!/[$`\\"!]/.test(w)) return `"${w}"`;
  return `'${w.replace(/'/g, `'\\''`)}'`;
}
