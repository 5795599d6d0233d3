// Adds, updates and removes sesame's own [profile NAME] blocks in ~/.aws/config text, and nothing else.
// A block is sesame's when it holds `sesame_managed = true` (the marker lives inside the section, as
// granted marks its profiles with granted_* keys, so it survives `aws configure set` rewrites and the
// AWS CLI ignores it). Every line outside the blocks sesame owns comes back as it was.
//
// A block owns its header and the lines up to its last key; blank lines and comments after that are
// left alone, because they usually introduce the next section. Keys a user added to a managed block
// (output = json, cli_pager = …) are kept on update: sesame rewrites only the keys it writes (with their
// continuation lines: those are part of the value).
//
// Which catalog a block belongs to: `sesame_catalog = /abs/path/sessions.toml`, written with the marker, so
// a sync from a second catalog (work and personal, a project's own catalog) never removes or re-points the
// first one's profiles: a block of another catalog is left alone, and a session of the same name is
// skipped, as for a profile sesame does not manage. A block an older sesame wrote has no sesame_catalog;
// it belongs to the catalog its credential_process names — the path after `--config`, or, without one, the
// catalog sesame uses by default — which is exactly the catalog that block's credential_process reads, so
// adopting it changes nothing for the AWS CLI. A block a user marked by hand (no sesame_catalog, no
// `credential-process` in its credential_process) is taken by a catalog that has a session of its name,
// and otherwise left alone.
//
// Line endings: a block sesame already wrote keeps the ending of its header line; a new block takes the
// ending most of the file's lines use. Either way a second sync finds nothing to change, even in a file
// that mixes \r\n and \n.
//
// Adding profiles to a file and removing them again gives back the same bytes: new blocks go at the end
// of the file but before the blank lines that end it, with one blank line of their own before them that
// a removal takes away again; a file whose last line has no newline still ends without one.
import { UsageError } from "../errors.ts";
import { lineSafe } from "./line-safe.ts";
import { bomOf, parseIni, profileOfHeader, type IniDoc, type Line, type Section } from "./ini.ts";
import { dominantLineEnding, renderLines } from "../text/lines.ts";

export const MANAGED_KEY = "sesame_managed";
export const CATALOG_KEY = "sesame_catalog";
const OWN_KEYS = new Set([MANAGED_KEY, CATALOG_KEY, "credential_process", "region"]);
/**
 * What tells the AWS CLI where a profile's credentials come from. An adopted profile (see SyncOptions.adopt)
 * loses these, so nothing wins over its credential_process; its other settings (output, cli_pager, s3 …) stay.
 */
export const CREDENTIAL_KEYS = new Set([
  "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token",
  "role_arn", "source_profile", "credential_source", "external_id", "role_session_name", "duration_seconds", "mfa_serial",
  "web_identity_token_file", "sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name", "sso_registration_scopes",
  "login_session",
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
  /** names a profile of another catalog already uses (SyncOptions.catalog), with that catalog */
  otherCatalog: { name: string; catalog: string }[];
}

export interface SyncOptions {
  /**
   * Profile names sesame takes over even though it did not write them (`sesame import`: the user asked to
   * move those profiles to sesame). The first section of that name becomes a managed block in place (its
   * header, then sesame's keys, then the user's keys that are not about credentials); any other section of
   * that name goes. Without it, a profile sesame does not manage is never touched (`skipped`).
   */
  adopt?: ReadonlySet<string>;
  /**
   * The absolute path of the catalog the wanted profiles come from: written into every block as
   * sesame_catalog, and only blocks of this catalog are updated or removed. Without it (unit tests of the
   * layout), every managed block counts as this sync's own and no sesame_catalog line is written.
   */
  catalog?: string;
  /** the catalog a block an older sesame wrote without `--config` belongs to (see the top of this file) */
  defaultCatalog?: string;
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

function ownLines(p: WantedProfile, eol: string, catalog: string | undefined): Out[] {
  const out: Out[] = [{ text: `${MANAGED_KEY} = true`, eol }];
  if (catalog !== undefined) out.push({ text: `${CATALOG_KEY} = ${catalog}`, eol });
  out.push({ text: `credential_process = ${p.credentialProcess}`, eol });
  if (p.region) out.push({ text: `region = ${p.region}`, eol });
  return out;
}

/**
 * A block sesame wrote (its credential_process runs sesame's `credential-process`), as opposed to one a
 * user marked with sesame_managed = true by hand.
 */
function writtenBySesame(doc: IniDoc, s: Section): boolean {
  for (let i = s.start + 1; i < s.end; i++) {
    const l = doc.lines[i]!;
    if (l.kind === "key" && l.name === "credential_process" && /(^|\s)credential-process(\s|$)/.test(l.value!)) return true;
  }
  return false;
}

/**
 * Whether sesame's keys can go right below the header, above the user's lines: only if none of the user's
 * lines up to their first key is indented. Below sesame's keys, such a line would continue the last of
 * them (credential_process would become a broken command, and the next sync would drop the line). Later
 * lines are safe: within a section each key is indented no deeper than the one before it (a deeper line
 * continues it), so once a key sits at the margin, everything after it reads the same below sesame's keys.
 * Otherwise sesame's keys go last, where none of the block's lines follows them.
 */
function ownFirstIsSafe(kept: readonly Line[]): boolean {
  for (const l of kept) {
    if (l.kind === "blank" || l.kind === "comment") continue;
    if (l.text.trimStart() !== l.text) return false;
    if (l.kind === "key") return true;
  }
  return true;
}

/**
 * The new text of a managed block: its header as it was, sesame's keys, then whatever else the user put
 * in it. sesame's lines take the header's line ending, so a block, once written, never changes ending.
 */
function updatedBlock(doc: IniDoc, s: Section, p: WantedProfile, fileEol: string, catalog: string | undefined, adopting = false): Out[] {
  const header = doc.lines[s.start]!;
  const eol = header.eol || fileEol;
  const end = ownedEnd(doc, s);
  const kept: Line[] = [];
  // A continuation line belongs to the key above it, across blank lines, comments and unparsable lines
  // too (as configparser reads it): the continuations of a key sesame rewrites go with it.
  let dropping = false;
  for (let i = s.start + 1; i < end; i++) {
    const l = doc.lines[i]!;
    if (l.kind === "key") dropping = OWN_KEYS.has(l.name!) || (adopting && CREDENTIAL_KEYS.has(l.name!));
    if (!dropping || (l.kind !== "key" && l.kind !== "continuation")) kept.push(l);
  }
  const own = ownLines(p, eol, catalog);
  const body: Out[] = ownFirstIsSafe(kept) ? [...own, ...kept] : [...kept, ...own];
  const out = [header, ...body].map((l) => ({ text: l.text, eol: l.eol || eol }));
  // The file's last line had no newline: the block's last line, whichever it is now, has none either.
  if (doc.lines[end - 1]!.eol === "") out[out.length - 1] = { text: out.at(-1)!.text, eol: "" };
  return out;
}

export function syncProfiles(fileText: string, wanted: readonly WantedProfile[], opts: SyncOptions = {}): SyncOutcome {
  // A byte order mark belongs to the file, not to its first line: the blocks are laid out after it, and it
  // stays in front whatever comes or goes.
  const bom = bomOf(fileText);
  const r = syncBody(fileText.slice(bom.length), wanted, opts);
  return { ...r, text: r.text === fileText.slice(bom.length) ? fileText : bom + r.text };
}

function syncBody(text: string, wanted: readonly WantedProfile[], opts: SyncOptions): SyncOutcome {
  const doc = parseIni(text);
  const eol = dominantLineEnding(text);
  const outcome: SyncOutcome = { text, added: [], updated: [], removed: [], skipped: [], adopted: [], otherCatalog: [] };
  const wantedNames = new Set(wanted.map((w) => w.name));

  const byName = new Map<string, { managed: Section[]; foreign: boolean; all: Section[]; other?: string }>();
  for (const s of doc.sections) {
    const name = profileOfHeader(s.header);
    if (name === undefined) continue;
    const e = byName.get(name) ?? { managed: [], foreign: false, all: [] };
    if (isManaged(doc, s)) {
      const owner = opts.catalog === undefined ? undefined : ownerOf(doc, s, opts.defaultCatalog);
      if (owner === undefined || owner === opts.catalog || (owner === "" && wantedNames.has(name))) e.managed.push(s);
      else if (owner === "") continue; // marked by hand, and this catalog has no session of its name: not ours
      else {
        e.other ??= owner;
        e.foreign = true;
      }
    } else e.foreign = true;
    e.all.push(s);
    byName.set(name, e);
  }

  const replaceAt = new Map<number, Out[]>();
  const deleted = new Array<boolean>(doc.lines.length).fill(false);
  const removals: Section[] = [];
  const kept: Section[] = [];
  const toAdd: WantedProfile[] = [];

  for (const w of wanted) {
    const e = byName.get(w.name);
    if (e?.other !== undefined) {
      // Another catalog's profile: never taken over, whatever `adopt` says; a twin of this catalog's goes.
      outcome.otherCatalog.push({ name: w.name, catalog: e.other });
      removals.push(...e.managed);
      continue;
    }
    if (e?.foreign && opts.adopt?.has(w.name)) {
      const [first, ...others] = e.all;
      kept.push(first!);
      removals.push(...others);
      replaceAt.set(first!.start, updatedBlock(doc, first!, w, eol, opts.catalog, true));
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
    const next = updatedBlock(doc, first!, w, eol, opts.catalog);
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

  // New blocks go after the last block sesame keeps, so its profiles stay together; else at the end,
  // before the blank lines that end the file (they stay the file's end, and a removal finds the blank
  // line sesame put before the blocks right there).
  const last = kept.sort((a, b) => a.start - b.start).at(-1);
  let addAt = doc.lines.length;
  if (last) addAt = ownedEnd(doc, last);
  else while (addAt > 0 && doc.lines[addAt - 1]!.kind === "blank") addAt--;
  outcome.added = toAdd.map((w) => w.name);

  if (toAdd.length === 0 && replaceAt.size === 0 && removals.length === 0) return outcome;

  const out: Out[] = [];
  const emitAdditions = () => {
    for (const w of toAdd) {
      const prev = out.at(-1);
      if (prev) {
        // The file's last line had no newline: it gets the ending of the line above it (in a block of
        // sesame's, that is the block's own ending, which the next sync would give it anyway).
        if (prev.eol === "") out[out.length - 1] = { text: prev.text, eol: out.at(-2)?.eol || eol };
        if (prev.text.trim() !== "") out.push({ text: "", eol });
      }
      out.push({ text: `[profile ${w.name}]`, eol }, ...ownLines(w, eol, opts.catalog));
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
  // A file whose last line had no newline keeps ending without one: when sesame appends to it, and when
  // sesame removes a block it had appended there (which gives the file back as it was before).
  const lastLine = doc.lines.length - 1;
  if (lastLine >= 0 && doc.lines[lastLine]!.eol === "" && out.length > 0) {
    const appended = toAdd.length > 0 && addAt === doc.lines.length;
    const cutOwn = removals.some((s) => s.start <= lastLine && lastLine < ownedEnd(doc, s) && writtenBySesame(doc, s));
    if (appended || cutOwn) out[out.length - 1] = { text: out.at(-1)!.text, eol: "" };
  }
  outcome.text = renderLines(out);
  return outcome;
}

/**
 * After a block is cut out, one blank line next to it goes too, so add-then-remove leaves the file as
 * it was instead of piling up blank lines: the one before it when nothing (or a blank) follows, or the
 * one after it when the block opened the file and something other than blank lines follows.
 */
function tidyAround(lines: readonly Line[], deleted: boolean[], start: number, end: number): void {
  let prev = start - 1;
  while (prev >= 0 && deleted[prev]) prev--;
  let next = end;
  while (next < lines.length && deleted[next]) next++;
  const blank = (i: number) => lines[i]!.kind === "blank";
  const hasNext = next < lines.length;
  if (prev >= 0 && blank(prev) && (!hasNext || blank(next))) deleted[prev] = true;
  else if (prev < 0 && hasNext && blank(next) && lines.some((_, i) => i > next && !deleted[i] && !blank(i))) deleted[next] = true;
}

/**
 * The catalog a managed block belongs to: its sesame_catalog; else (written by an older sesame) the catalog
 * its credential_process names with --config, or `defaultCatalog` when it names none; "" when its
 * credential_process does not run sesame's credential-process (a block marked by hand).
 */
export function ownerOf(doc: IniDoc, s: Section, defaultCatalog: string | undefined): string {
  let cp: string | undefined;
  for (let i = s.start + 1; i < s.end; i++) {
    const l = doc.lines[i]!;
    if (l.kind !== "key") continue;
    if (l.name === CATALOG_KEY && l.value) return l.value;
    if (l.name === "credential_process") cp = l.value;
  }
  const named = cp === undefined ? undefined : sesameCommand(cp);
  if (!named) return "";
  return named.config ?? defaultCatalog ?? "";
}

/**
 * What a credential_process line asks of sesame, when it runs sesame's `credential-process`: the session,
 * and the catalog given with --config. The words are split as botocore splits them on POSIX (shlex), which
 * undoes every quoting commandLine writes.
 */
export function sesameCommand(value: string): { session: string; config?: string; program: string } | undefined {
  const words = shellWords(value);
  const at = words.indexOf("credential-process");
  if (at < 1 || at + 1 >= words.length) return undefined;
  const out: { session: string; config?: string; program: string } = { session: "", program: words[0]! };
  for (let i = at + 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--config" && i + 1 < words.length) out.config = words[++i]!;
    else if (w.startsWith("--config=")) out.config = w.slice("--config=".length);
    else if (!w.startsWith("-") && !out.session) out.session = w;
  }
  return out.session ? out : undefined;
}

/** POSIX shell words (shlex): whitespace splits, '…' is literal, "…" and a backslash escape. */
export function shellWords(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      cur += line.slice(i + 1, end === -1 ? line.length : end);
      i = end === -1 ? line.length : end;
      inWord = true;
    } else if (c === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) i++;
        cur += line[i++];
      }
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/**
 * The credential_process value for an argv. botocore splits it with shlex (POSIX) or Windows rules;
 * the JavaScript, Go and Rust SDKs hand it to `sh -c` / cmd.exe. Plain words need no quoting; a word
 * with spaces gets double quotes, which every one of those readers undoes the same way; a word holding
 * characters that double quotes do not protect alike in sh and shlex ($, `, \, ") gets single quotes.
 * On Windows a word with a space or one of cmd.exe's metacharacters (& | < > ^ ( ) , ; = !) is double-
 * quoted, inside which cmd.exe takes them literally and botocore's Windows split removes the quotes; % and "
 * cannot be protected from cmd.exe at all (and " cannot be in a Windows path), so such a word is refused.
 * A word with a line break or another control character is refused everywhere (it would add lines to the
 * config file).
 */
export function commandLine(argv: readonly string[], platform: string = process.platform): string {
  return argv.map((a) => quoteWord(lineSafe(a, "the word", "a credential_process line", "move sesame and the catalog to paths without control characters"), platform)).join(" ");
}

function quoteWord(w: string, platform: string): string {
  if (platform === "win32") {
    if (/[%"]/.test(w)) throw new UsageError(`the word "${w}" holds % or ", which cmd.exe (how the AWS SDKs run credential_process on Windows) cannot take literally`, "move sesame and the catalog to paths without % and \"");
    return /[\s&|<>^(),;=!]/.test(w) || w === "" ? `"${w}"` : w;
  }
  if (/^[A-Za-z0-9_\/.:+@=,%-]+$/.test(w)) return w;
  if (!/[$`\\"!]/.test(w)) return `"${w}"`;
  return `'${w.replace(/'/g, `'\\''`)}'`;
}
