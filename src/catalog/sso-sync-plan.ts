// `sesame sso sync NAME`, the pure part: given the catalog's text and the account/role assignments an
// IAM Identity Center login reaches, compute the new catalog text. It writes the catalog and talks to no
// one (commands/sso-sync.ts asks the SSO portal), hence its home in catalog/. sesame owns one region of the file
// per SSO, between two marker comments, and regenerates it; every byte outside it stays as it was.
//
//   # >>> sesame sso sync "corp" — generated; edits inside are replaced on the next sync >>>
//   # Dev Sandbox (111111111111)
//   [session."dev-sandbox.AdministratorAccess"]
//   type = "sso"
//   ...
//   # <<< sesame sso sync "corp" <<<
//
// Session names: `<account slug>.<role>`, e.g. account "Dev Sandbox" + role "AdministratorAccess" →
// `dev-sandbox.AdministratorAccess` (the `account.role` shape aws-sso-util users know). The account slug
// is the account name lowercased, accents dropped, every run of other characters turned into "-";
// the role keeps its case (permission set names are identifiers people recognise) with characters
// a sesame name cannot hold turned into "-". An account whose name leaves no slug uses its id.
// An account/role a session outside the region already covers (hand-written or imported: same sso-session
// or one with the same start URL, same account id, same role) is not generated again; it is reported in
// `covered` with the name of the session that covers it.
// Collisions, resolved the same way on every run:
//   - two accounts whose names give the same slug → every session of each of those accounts carries its
//     account id (`prod-111111111111.Deploy`, `prod-111111111111.ReadOnlyAccess` beside
//     `prod-222222222222.ReadOnlyAccess`), so the names of one account never mix the two shapes;
//   - a name some session outside this region already has (hand-written, another SSO's region;
//     compared case-insensitively) → the generated one carries the account id;
//   - still taken → `-2`, `-3`, … at the end.
// Stability: a session this region already holds for an account id + role keeps its name on later
// syncs, whatever the rules above would say today (a new same-named account, an account renamed in
// Identity Center), so credential_process lines and profiles that name it keep working. Only its
// comment follows the account's new name. Delete the region to have every name derived afresh.
import { parse as parseTomlText } from "smol-toml";
import { HEADER_RE, KEYLINE_RE, splitDotted } from "./parse.ts";
import { tomlKey, tomlString } from "./toml-write.ts";
import { NAME_RE } from "./validate.ts";
import { CatalogError, UsageError } from "../errors.ts";
import { unifiedDiff } from "../text/diff.ts";
import { dominantLineEnding, splitLines, type Eol } from "../text/lines.ts";

export interface Assignment {
  accountId: string;
  accountName: string;
  roleName: string;
}

export interface SyncPlan {
  /** the new catalog text (=== the input when nothing changes) */
  text: string;
  /** sessions the region did not hold before */
  added: string[];
  /** sessions the region held whose account/role is no longer reachable (pruned) */
  removed: string[];
  /** sessions the region holds before and after (including `stale` ones) */
  kept: string[];
  /** kept sessions whose account/role is no longer reachable (only with prune: false) */
  stale: string[];
  /** generated sessions whose name had to change (their old name became unusable) */
  renamed?: { from: string; to: string }[];
  /** account/roles not generated because a session outside the region already covers them */
  covered?: { accountId: string; roleName: string; session: string }[];
  changed: boolean;
}

export interface SyncOptions {
  /** written as `region = "…"` into every session; when absent a session keeps the region it had */
  region?: string;
  /** remove sessions no longer discovered (default true) */
  prune?: boolean;
  /** the catalog's path, for error messages */
  file?: string;
}

const ACCOUNT_RE = /^\d{12}$/;
const MAX_NAME = 64;
/** Role part is cut here so a long permission set name still leaves room for the account. */
const MAX_ROLE = 40;

const BEGIN_RE = /^# >>> sesame sso sync "([^"]*)".*>>>\s*$/;
const END_RE = /^# <<< sesame sso sync "([^"]*)" <<<\s*$/;

export function beginMarker(ssoName: string): string {
  return `# >>> sesame sso sync "${ssoName}" — generated; edits inside are replaced on the next sync >>>`;
}

export function endMarker(ssoName: string): string {
  return `# <<< sesame sso sync "${ssoName}" <<<`;
}

interface Line {
  text: string;
  eol: Eol;
  /** offset of the line's first character in the file */
  start: number;
  /** 0-based line number */
  n: number;
}

/** The file's lines with their offsets; joining text+eol of every line gives the input back. */
function linesOf(text: string): Line[] {
  let start = 0;
  return splitLines(text).map((l, n) => {
    const line = { ...l, start, n };
    start += l.text.length + l.eol.length;
    return line;
  });
}

/** `[a.b]` header → its dotted parts; undefined for other lines and `[[arrays]]`. */
function headerParts(line: string): string[] | undefined {
  if (line.trimStart().startsWith("[[")) return undefined;
  const h = HEADER_RE.exec(line);
  return h ? splitDotted(h[2] ?? "") : undefined;
}

/** What a generated table in the region held: enough to recognise it on the next sync. */
interface Block {
  name: string;
  accountId?: string;
  roleName?: string;
  accountName?: string;
  region?: string;
  /** its original lines: the comments right above its header, the header, its keys; no trailing blanks */
  lines: Line[];
}

/** Splits the lines between the markers into one block per `[session.X]` table. */
function parseRegion(lines: Line[]): Block[] {
  const blocks: Block[] = [];
  let cur: Block | undefined;
  let pending: Line[] = []; // comment lines not yet known to precede a header
  const flush = () => {
    if (cur) cur.lines.push(...pending);
    pending = [];
  };
  for (const line of lines) {
    const trimmed = line.text.trim();
    const parts = headerParts(line.text);
    if (parts) {
      if (parts[0] === "session" && parts.length === 2) {
        cur = { name: parts[1] ?? "", lines: [...pending, line] };
        pending = [];
        blocks.push(cur);
        for (const c of cur.lines) {
          const m = /^\s*#\s?(.*?)\s*\((\d{12})\)\s*$/.exec(c.text);
          if (m) cur.accountName = m[1];
        }
      } else {
        flush();
        cur?.lines.push(line);
      }
      continue;
    }
    if (trimmed.startsWith("#")) {
      pending.push(line);
      continue;
    }
    flush();
    cur?.lines.push(line);
    if (!cur || trimmed === "") continue;
    const kv = /^\s*(sso_account_id|sso_role_name|region)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*')\s*(?:#.*)?$/.exec(line.text);
    if (kv) {
      const value = unquote(kv[2] ?? "");
      if (kv[1] === "sso_account_id") cur.accountId = value;
      else if (kv[1] === "sso_role_name") cur.roleName = value;
      else cur.region = value;
    }
  }
  for (const b of blocks) {
    while (b.lines.length > 1 && b.lines.at(-1)!.text.trim() === "") b.lines.pop();
  }
  return blocks;
}

function unquote(v: string): string {
  if (v.startsWith("'")) return v.slice(1, -1);
  try {
    return JSON.parse(v) as string;
  } catch {
    return v.slice(1, -1);
  }
}

/** Text fit for a one-line comment: TOML allows no control characters there but tab. */
function commentText(s: string): string {
  return s.replace(/[\u0000-\u0008\u000a-\u001f\u007f]+/g, " ").trim();
}

export function accountSlug(accountName: string): string {
  return accountName
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

function roleSlug(roleName: string): string {
  const r = roleName.replace(/[^A-Za-z0-9_.+@=-]+/g, "-").slice(0, MAX_ROLE).replace(/^-+|-+$/g, "");
  return r === "" ? "role" : r;
}

/**
 * The name for an assignment. `qualified` adds the account id to the account part; `n` > 1 adds `-n`.
 * The account slug is shortened (never the id, rarely the role) to stay within 64 characters.
 */
export function sessionName(a: Assignment, qualified = false, n = 1): string {
  const slug = accountSlug(a.accountName);
  const role = roleSlug(a.roleName);
  const suffix = n > 1 ? `-${n}` : "";
  // No slug: the id is the account part, and it already tells same-named accounts apart.
  const id = qualified || slug === "" ? a.accountId : "";
  const room = MAX_NAME - 1 - role.length - suffix.length - id.length - (id && slug ? 1 : 0);
  const acct = slug.slice(0, Math.max(0, room)).replace(/-+$/, "");
  return `${[acct, id].filter(Boolean).join("-")}.${role}${suffix}`;
}

function key(accountId: string, roleName: string): string {
  return `${accountId}\u0000${roleName}`;
}

/** Locale-independent order: the same on every machine, so the region is too. */
function compare(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Entry {
  name: string;
  sortAccount: string;
  sortRole: string;
  sortId: string;
  text: string;
}

export function planSync(catalogText: string, ssoName: string, assignments: Assignment[], opts: SyncOptions = {}): SyncPlan {
  const file = opts.file ?? "catalog";
  const prune = opts.prune ?? true;
  if (!NAME_RE.test(ssoName)) throw new UsageError(`"${ssoName}" is not an sso-session name`, `use the NAME of an [sso-session.NAME] table`);
  for (const a of assignments) {
    if (!ACCOUNT_RE.test(a.accountId)) throw new UsageError(`account id "${a.accountId}" (${a.accountName}) is not a 12-digit AWS account id`);
    if (a.roleName === "") throw new UsageError(`an empty role name was listed for account ${a.accountId}`);
  }
  const lines = linesOf(catalogText);
  const eol = dominantLineEnding(catalogText);
  const region = findRegion(lines, ssoName, file);
  const inside = region ? lines.slice(region.begin + 1, region.end) : [];
  const outside = region ? [...lines.slice(0, region.begin), ...lines.slice(region.end + 1)] : lines;
  if (region) checkAfterEnd(lines, region.end, ssoName, file);

  const blocks = parseRegion(inside);
  const taken = namesOutside(catalogText, outside, blocks);
  const takenLower = new Set([...taken].map((n) => n.toLowerCase()));

  // One entry per account/role, in the order the region lists them; none for what a session outside covers.
  const coveredBy = coveringSessions(catalogText, ssoName, new Set(blocks.map((b) => b.name)));
  const covered: { accountId: string; roleName: string; session: string }[] = [];
  const seen = new Set<string>();
  const wanted = assignments
    .filter((a) => {
      const k = key(a.accountId, a.roleName);
      if (seen.has(k)) return false;
      seen.add(k);
      const by = coveredBy.get(k);
      if (by !== undefined) covered.push({ accountId: a.accountId, roleName: a.roleName, session: by });
      return by === undefined;
    })
    .sort((x, y) => compare(x.accountName, y.accountName) || compare(x.roleName, y.roleName) || compare(x.accountId, y.accountId));

  // Which block each account/role had; the first block wins when a role was listed twice.
  const byKey = new Map<string, Block>();
  for (const b of blocks) {
    if (b.accountId !== undefined && b.roleName !== undefined && !byKey.has(key(b.accountId, b.roleName))) byKey.set(key(b.accountId, b.roleName), b);
  }

  const used = new Set(takenLower);
  const names = new Map<string, string>(); // key → name
  const matched = new Set<Block>();
  // 1. Names the region already gave stay (stability), unless they cannot be used any more.
  for (const a of wanted) {
    const b = byKey.get(key(a.accountId, a.roleName));
    if (!b) continue;
    matched.add(b);
    if (NAME_RE.test(b.name) && !taken.has(b.name) && !used.has(b.name.toLowerCase())) {
      names.set(key(a.accountId, a.roleName), b.name);
      used.add(b.name.toLowerCase());
    }
  }
  const staleBlocks = blocks.filter((b) => !matched.has(b));
  if (!prune) for (const b of staleBlocks) used.add(b.name.toLowerCase());
  // 2. New names, in region order, so the same catalog and assignments always give the same names.
  const derived = new Map<string, number>();
  for (const a of wanted) derived.set(sessionName(a).toLowerCase(), (derived.get(sessionName(a).toLowerCase()) ?? 0) + 1);
  // Accounts per slug: a slug two accounts share qualifies every session of both.
  const accountsOfSlug = new Map<string, Set<string>>();
  for (const a of wanted) {
    const slug = accountSlug(a.accountName);
    if (slug === "") continue;
    const set = accountsOfSlug.get(slug) ?? new Set<string>();
    set.add(a.accountId);
    accountsOfSlug.set(slug, set);
  }
  for (const a of wanted) {
    const k = key(a.accountId, a.roleName);
    if (names.has(k)) continue;
    const base = sessionName(a);
    const shared = (accountsOfSlug.get(accountSlug(a.accountName))?.size ?? 0) > 1;
    let name = shared || (derived.get(base.toLowerCase()) ?? 0) > 1 || used.has(base.toLowerCase()) ? sessionName(a, true) : base;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = sessionName(a, true, n);
    names.set(k, name);
    used.add(name.toLowerCase());
  }

  const added: string[] = [];
  const kept: string[] = [];
  const renamed: { from: string; to: string }[] = [];
  const entries: Entry[] = [];
  const expected = new Map<string, Record<string, string>>();
  for (const a of wanted) {
    const k = key(a.accountId, a.roleName);
    const name = names.get(k)!;
    const old = byKey.get(k);
    if (!old) added.push(name);
    else if (old.name === name) kept.push(name);
    else renamed.push({ from: old.name, to: name });
    const r = opts.region ?? old?.region;
    const table: Record<string, string> = { type: "sso", sso_session: ssoName, sso_account_id: a.accountId, sso_role_name: a.roleName };
    if (r !== undefined) table.region = r;
    expected.set(name, table);
    const body = [`# ${commentText(a.accountName)} (${a.accountId})`, `[session.${tomlKey(name)}]`, ...Object.entries(table).map(([k2, v]) => `${k2} = ${tomlString(v)}`)];
    entries.push({ name, sortAccount: a.accountName, sortRole: a.roleName, sortId: a.accountId, text: body.map((l) => l + eol).join("") });
  }
  const removed: string[] = [];
  const stale: string[] = [];
  for (const b of staleBlocks) {
    if (prune) {
      removed.push(b.name);
      continue;
    }
    kept.push(b.name);
    stale.push(b.name);
    entries.push({
      name: b.name,
      sortAccount: b.accountName ?? b.name,
      sortRole: b.roleName ?? "",
      sortId: b.accountId ?? "",
      text: b.lines.map((l) => l.text + (l.eol || eol)).join(""),
    });
  }
  entries.sort((x, y) => compare(x.sortAccount, y.sortAccount) || compare(x.sortRole, y.sortRole) || compare(x.sortId, y.sortId) || compare(x.name, y.name));
  // Report in the order the region lists the sessions.
  const order = new Map(entries.map((e, k) => [e.name, k]));
  for (const list of [added, kept, stale]) list.sort((x, y) => order.get(x)! - order.get(y)!);

  // No region and nothing to put in one: the file stays as it is.
  if (!region && entries.length === 0) {
    return { text: catalogText, added, removed, kept, stale, renamed, covered, changed: false };
  }
  const endEol = region ? lines[region.end]!.eol : eol;
  const regionText = beginMarker(ssoName) + eol + entries.map((e) => e.text).join(eol) + endMarker(ssoName) + endEol;

  let text: string;
  if (region) {
    const from = lines[region.begin]!.start;
    const endLine = lines[region.end]!;
    const to = endLine.start + endLine.text.length + endLine.eol.length;
    text = catalogText.slice(0, from) + regionText + catalogText.slice(to);
  } else {
    const last = lines.at(-1);
    let sep = "";
    if (last && last.eol === "") sep = eol + eol; // end the last line, then a blank one
    else if (last && last.text.trim() !== "") sep = eol; // a blank line before the region
    text = catalogText + sep + regionText;
  }
  verify(catalogText, text, expected, file, ssoName);
  return { text, added, removed, kept, stale, renamed, covered, changed: text !== catalogText };
}

/** Line indexes of this SSO's markers; refuses a region that is not whole or not alone. */
function findRegion(lines: Line[], ssoName: string, file: string): { begin: number; end: number } | undefined {
  let begin: number | undefined;
  let end: number | undefined;
  const at = (l: Line) => ({ line: l.n + 1, col: 1 });
  const fix = `keep one "${beginMarker(ssoName).slice(0, 30)}…" line and one "${endMarker(ssoName)}" line after it, or delete both and the sessions between them`;
  for (const l of lines) {
    const b = BEGIN_RE.exec(l.text.trim());
    const e = b ? null : END_RE.exec(l.text.trim());
    if (begin !== undefined && end === undefined && (b || e) && (b ? b[1] : e![1]) !== ssoName) {
      throw new CatalogError(file, at(l), `another sesame sso sync region starts or ends inside the one for "${ssoName}"`, fix);
    }
    if (b?.[1] === ssoName) {
      if (begin !== undefined) throw new CatalogError(file, at(l), `a second sesame sso sync region for "${ssoName}" starts here`, fix);
      begin = l.n;
    } else if (e?.[1] === ssoName) {
      if (begin === undefined || end !== undefined) throw new CatalogError(file, at(l), `the end of a sesame sso sync region for "${ssoName}" without its start`, fix);
      end = l.n;
    }
  }
  if (begin !== undefined && end === undefined) {
    throw new CatalogError(file, at(lines[begin]!), `the sesame sso sync region for "${ssoName}" has no end line`, fix);
  }
  return begin === undefined ? undefined : { begin, end: end! };
}

/**
 * A key line right after the region (before any header) belongs, for TOML, to the region's last table,
 * which the sync rewrites: refuse rather than move it into another table or make the file invalid.
 */
function checkAfterEnd(lines: Line[], end: number, ssoName: string, file: string): void {
  for (let i = end + 1; i < lines.length; i++) {
    const t = lines[i]!.text.trim();
    if (t === "" || t.startsWith("#")) continue;
    if (t.startsWith("[")) return;
    if (KEYLINE_RE.test(t)) {
      throw new CatalogError(
        file,
        { line: i + 1, col: 1 },
        `this key follows the sesame sso sync region for "${ssoName}" without a [table] header of its own, so it belongs to a generated session`,
        `move it under its own [table] header, or above the region`,
      );
    }
    return;
  }
}

/**
 * Every session name defined outside this region: the `[session.X]` headers there, plus (when the file
 * parses) whatever else the TOML defines under `session` that the region does not (dotted keys, inline tables).
 */
function namesOutside(catalogText: string, outside: Line[], blocks: Block[]): Set<string> {
  const names = new Set<string>();
  let skipUntil: string | undefined;
  for (const l of outside) {
    if (skipUntil) {
      if (l.text.includes(skipUntil)) skipUntil = undefined;
      continue;
    }
    const parts = headerParts(l.text);
    if (parts) {
      if (parts[0] === "session" && parts[1] !== undefined) names.add(parts[1]);
      continue;
    }
    const m = /=\s*("""|''')/.exec(l.text);
    if (m && l.text.indexOf(m[1]!, m.index + m[0].length) < 0) skipUntil = m[1];
  }
  const data = tryParse(catalogText);
  const sessions = data?.session;
  if (sessions && typeof sessions === "object" && !Array.isArray(sessions)) {
    const inRegion = new Set(blocks.map((b) => b.name));
    for (const n of Object.keys(sessions)) if (!inRegion.has(n)) names.add(n);
  }
  return names;
}

/**
 * account/role → the session outside the region that already gives it: type sso, same account id and role,
 * and an sso-session with this one's start URL (the same one, or another for the same portal). Only when the
 * catalog parses; otherwise nothing counts as covered (and the validator has the last word anyway).
 */
function coveringSessions(catalogText: string, ssoName: string, inRegion: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  const data = tryParse(catalogText);
  const ssoTables = data?.["sso-session"] as Record<string, Record<string, unknown>> | undefined;
  const sessions = data?.session as Record<string, Record<string, unknown>> | undefined;
  if (!ssoTables || !sessions || typeof ssoTables !== "object" || typeof sessions !== "object") return out;
  const urlOf = (n: unknown): string | undefined => {
    const t = typeof n === "string" ? ssoTables[n] : undefined;
    const u = t && typeof t === "object" ? t.sso_start_url : undefined;
    return typeof u === "string" ? u.replace(/\/+$/, "") : undefined;
  };
  const mine = urlOf(ssoName);
  if (mine === undefined) return out;
  for (const name of Object.keys(sessions).sort(compare)) {
    const t = sessions[name];
    if (inRegion.has(name) || !t || typeof t !== "object" || t.type !== "sso") continue;
    if (typeof t.sso_account_id !== "string" || typeof t.sso_role_name !== "string") continue;
    if (t.sso_session !== ssoName && urlOf(t.sso_session) !== mine) continue;
    const k = key(t.sso_account_id, t.sso_role_name);
    if (!out.has(k)) out.set(k, name);
  }
  return out;
}

function tryParse(text: string): Record<string, unknown> | undefined {
  try {
    return parseTomlText(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The new text must read back with exactly the sessions written (only checked when the input parsed). */
function verify(before: string, after: string, expected: Map<string, Record<string, string>>, file: string, ssoName: string): void {
  if (before === after || tryParse(before) === undefined) return;
  const data = tryParse(after);
  const sessions = data?.session as Record<string, unknown> | undefined;
  for (const [name, table] of expected) {
    const got = sessions?.[name];
    if (JSON.stringify(got) !== JSON.stringify(table)) {
      throw new CatalogError(file, undefined, `the sessions generated for "${ssoName}" would not read back as written (session "${name}")`, `check the lines around the sesame sso sync region for "${ssoName}"`);
    }
  }
}

/** The --dry-run diff: `--- before` / `+++ after`, two lines of context, lines printed without their own
 *  endings (CRLF catalogs stay readable on a terminal). "" when the texts are equal. */
export function diffText(before: string, after: string): string {
  return unifiedDiff(before, after, "before", "after", { context: 2, endings: "drop" });
}
