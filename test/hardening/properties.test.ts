// Hardening 5 — bad input, property-based (fast-check). The catalog parser and validator answer any text
// with a valid catalog or a CatalogError pointing at line:col — never a stack trace or another error. The
// ~/.aws/config writer reads any text back byte for byte, and changes nothing outside the profiles it
// manages. `npm run stress` runs ≥ 10,000 cases of each property; `npm test` fewer.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { CatalogError } from "../../src/errors.ts";
import { parseToml } from "../../src/catalog/parse.ts";
import { validateCatalog } from "../../src/catalog/validate.ts";
import { chainOf, hopIdentity } from "../../src/credentials/identity.ts";
import { parseIni, profileOfHeader } from "../../src/awsconfig/ini.ts";
import { renderLines } from "../../src/text/lines.ts";
import { isManaged, ownedEnd, syncProfiles, type WantedProfile } from "../../src/awsconfig/managed.ts";
import { budget, count, figure, SEED } from "./support.ts";

const RUNS = count(400, 10_000);
const FILE = "/home/u/.config/sesame/sessions.toml";

/** Runs a property and records its figures; rethrows fast-check's report (seed, counterexample). */
function run<T>(what: string, arb: fc.Arbitrary<T>, check: (v: T) => void, runs = RUNS): void {
  verdicts.valid = verdicts.refused = 0;
  const details = fc.check(fc.property(arb, check), { numRuns: runs, seed: SEED });
  const split = verdicts.valid + verdicts.refused > 0 ? `; ${verdicts.valid} valid catalogs, ${verdicts.refused} refused at line:col` : "";
  figure({ area: "properties", what, trials: details.numRuns, failures: details.failed ? 1 : 0, cases: details.numRuns, note: details.failed ? `counterexample: ${JSON.stringify(details.counterexample).slice(0, 200)}` : `seed ${SEED}${split}` });
  // the counterexample and its seed, or nothing
  expect(details.failed ? (fc.defaultReportMessage(details) ?? `property failed: ${what}`) : "").toBe("");
}

// ----------------------------------------------------------------------------------------------------------
// The catalog

const verdicts = { valid: 0, refused: 0 };

/** The whole promise for one text: a usable catalog, or a one-line CatalogError at a line:col inside the text. */
/** For a text that must be refused: true when catalogVerdict holds and refused it (a CatalogError at line:col). */
function refusedAtLineCol(text: string): boolean {
  const before = verdicts.refused;
  catalogVerdict(text);
  return verdicts.refused === before + 1;
}

function catalogVerdict(text: string): void {
  let cat;
  try {
    cat = validateCatalog(parseToml(FILE, text));
  } catch (e) {
    verdicts.refused++;
    if (!(e instanceof CatalogError)) throw new Error(`not a CatalogError: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    if (!e.pos) throw new Error(`no line:col: ${e.message}`);
    const lines = text.split("\n").length;
    if (!(e.pos.line >= 1 && e.pos.line <= lines + 1 && e.pos.col >= 1)) throw new Error(`line:col ${e.pos.line}:${e.pos.col} outside the text (${lines} lines): ${e.message}`);
    if (!e.message.startsWith(`${FILE}:${e.pos.line}:${e.pos.col}: `)) throw new Error(`message does not start with file:line:col: ${e.message}`);
    if (/\n\s+at /.test(e.toLine())) throw new Error(`a stack trace in the message: ${e.toLine()}`);
    if (e.exit !== 3) throw new Error(`exit ${e.exit} for a catalog error`);
    return;
  }
  verdicts.valid++;
  // a valid catalog is usable: every session has an identity and a finite chain that ends at a root
  for (const s of cat.sessions.values()) {
    hopIdentity(cat, s, {});
    const chain = chainOf(cat, s);
    if (chain.at(-1)!.type === "assume-role") throw new Error(`chain of ${s.name} ends at an assume-role`);
  }
}

const names = fc.constantFrom("alice", "dev", "prod", "a", "x.y", "Ünï", "", "corp", "bad name", "0", "-x");
const keys = fc.constantFrom(
  "type", "region", "source", "role_arn", "external_id", "role_session_name", "duration_seconds", "mfa_serial",
  "sso_session", "sso_account_id", "sso_role_name", "sso_start_url", "sso_region", "sso_registration_scopes",
  "auto_login", "share_with_aws_cli", "refresh_margin", "web_identity_token_file", "web_identity_token_command",
  "audience", "mfa_process", "principal_arn", "saml_assertion_command",
  "mfa_serail", "Type", "a.b", '"quoted key"', "'lit'", "x-y_z", "",
);
const values = fc.oneof(
  fc.constantFrom(
    '"iam-user"', '"assume-role"', '"sso"', '"web-identity"', '"saml"', '"arn:aws:iam::111111111111:saml-provider/Corp"', '"eu-west-1"', '"us-east-1"', '"alice"', '"dev"', '"corp"',
    '"arn:aws:iam::222222222222:role/Dev"', '"arn:aws:iam::22222222222:role/Dev"', '"arn:aws:iam::111111111111:mfa/alice"',
    '"https://d-1.awsapps.com/start"', '"111111111111"', "111111111111", '"15m"', '"1h30m"', '"nonsense"', "3600", "900",
    "43201", "-1", "1e3", "0x10", "true", "false", "[]", '["sso:account:access"]', "[1, [2, [3]]]", "{ a = 1 }",
    "1979-05-27T07:32:00Z", "inf", "nan", '"""\nmulti\nline"""', "'''lit\n'''", '"unterminated', "'", '"\\u00e9"', '"\\x"',
    "[\n1,\n2\n]", '""', '" "', '"\\n"',
  ),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
  fc.integer().map(String),
);
const line = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(keys, values).map(([k, v]) => `${k} = ${v}`) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("session", "sso-session", "defaults", "sesion", "session.a.b"), names).map(([t, n]) => (t === "defaults" ? "[defaults]" : `[${t}.${/^[\w-]+$/.test(n) ? n : JSON.stringify(n)}]`)) },
  { weight: 1, arbitrary: fc.constantFrom("", "# comment", "   ", "[[session]]", "[session]", "[]", "[ session . alice ]", "\t", "=", "key =", "[defaults", "a.b.c = 1", "\uFEFF", "\r") },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
);
/** Arrays of tables ([[x]]) and table-valued types are in the mix: both were found here (now fixed, see below). */
const tomlish = fc.tuple(fc.array(line, { maxLength: 24 }), fc.constantFrom("\n", "\r\n")).map(([ls, eol]) => ls.join(eol));

const VALID = `[defaults]
region = "eu-west-1"
refresh_margin = "15m"

[sso-session.corp]
sso_start_url = "https://d-1234567890.awsapps.com/start"
sso_region = "eu-west-1"

[session.alice]
type = "iam-user"
mfa_serial = "arn:aws:iam::111111111111:mfa/alice"

[session.dev]
type = "assume-role"
source = "alice"
role_arn = "arn:aws:iam::222222222222:role/Dev"
duration_seconds = 3600

[session.admin]
type = "sso"
sso_session = "corp"
sso_account_id = "111111111111"
sso_role_name = "AdministratorAccess"
`;
/** A valid catalog with a few random edits: characters inserted or removed, lines duplicated, swapped or cut. */
const mutated = fc
  .array(
    fc.tuple(fc.nat(), fc.nat(), fc.constantFrom("insert", "delete", "dupline", "swaplines", "cut"), fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 3 })),
    { minLength: 1, maxLength: 4 },
  )
  .map((edits) => {
    let t = VALID;
    for (const [a, b, op, s] of edits) {
      const i = a % (t.length + 1);
      const ls = t.split("\n");
      const x = a % ls.length;
      const y = b % ls.length;
      if (op === "insert") t = t.slice(0, i) + s + t.slice(i);
      else if (op === "delete") t = t.slice(0, i) + t.slice(i + 1 + (b % 4));
      else if (op === "dupline") t = [...ls.slice(0, x + 1), ls[x]!, ...ls.slice(x + 1)].join("\n");
      else if (op === "swaplines") {
        [ls[x], ls[y]] = [ls[y]!, ls[x]!];
        t = ls.join("\n");
      } else t = t.slice(0, i);
    }
    return t;
  });

describe("catalog parser and validator", () => {
  test("the valid base catalog is valid (the mutations start from something real)", () => {
    expect(validateCatalog(parseToml(FILE, VALID)).sessions.size).toBe(3);
  });

  test("any text (unicode): a catalog or a CatalogError at line:col", () => {
    run("catalog: arbitrary unicode text", fc.string({ unit: "binary", maxLength: 300 }), catalogVerdict);
  }, budget(60_000));

  test("TOML-like documents built from catalog words: a catalog or a CatalogError at line:col", () => {
    run("catalog: TOML-like documents from catalog words", tomlish, catalogVerdict);
  }, budget(60_000));

  test("a valid catalog with random edits: a catalog or a CatalogError at line:col", () => {
    run("catalog: mutations of a valid catalog", mutated, catalogVerdict);
    // the edits are small enough that many mutants stay valid, and big enough that many do not
    expect(verdicts.valid).toBeGreaterThan(RUNS / 100);
    expect(verdicts.refused).toBeGreaterThan(RUNS / 20);
  }, budget(60_000));

  test("extremes: deep nesting, long dotted keys, huge values — still a CatalogError at line:col", () => {
    const cases = [
      "x = " + "[".repeat(100_000),
      "x = " + "{a=".repeat(5000) + "1" + "}".repeat(5000),
      "a" + ".a".repeat(50_000) + " = 1",
      '[defaults]\nregion = "' + "a".repeat(1_000_000) + '"',
      "[session.a]\ntype = \"assume-role\"\nsource = \"a\"\nrole_arn = \"arn:aws:iam::123456789012:role/x\"",
      "\u0000\u0001\uFFFE",
    ];
    for (const t of cases) expect(() => catalogVerdict(t)).not.toThrow();
  });

  // Was defect CATALOG-TYPE-TABLE (fixed in 1f523a9): String() of a TOML table threw TypeError "No default
  // value", so `type = { a = 1 }` ended as "internal error" (exit 70), with no line:col.
  test("a session type written as a table is refused at its line:col", () => {
    for (const t of ['[session.alice]\ntype = { a = 1 }', "[session.alice.type]\nx = 1", '[session.alice]\ntype.x = "iam-user"']) expect(refusedAtLineCol(t)).toBe(true);
  });

  // Was defect CATALOG-NO-POS (fixed in 1f523a9): arrays of tables were refused without line:col.
  test("an array of tables ([[session]], [[x]]) is refused at its line:col", () => {
    for (const t of ["[[session]]", '[defaults]\nregion = "eu-west-1"\n\n[[session.a]]\ntype = "iam-user"', "# x\n[[x]]", "[[ session . alice ]]\n[[session.alice]]"]) expect(refusedAtLineCol(t)).toBe(true);
  });
});

// ----------------------------------------------------------------------------------------------------------
// ~/.aws/config

const profileNames = fc.constantFrom("a", "b", "dev", "prod", "x.y", "default");
const header = fc.oneof(
  profileNames.map((n) => (n === "default" ? "[default]" : `[profile ${n}]`)),
  fc.tuple(profileNames, fc.constantFrom("[profile  %s ]", '[profile "%s"]', "  [profile %s]", "[profile %s] ; note", "[sso-session %s]", "[services %s]", "[profile %s extra]")).map(([n, f]) => f.replace("%s", n)),
);
const bodyLine = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("region = eu-west-1", "output=json", "role_arn = arn:aws:iam::1:role/x", "source_profile = default", "credential_process = /bin/other x", "cli_pager =", "Region : us-east-1") },
  { weight: 2, arbitrary: fc.constantFrom("sesame_managed = true", "SESAME_MANAGED=True", "sesame_managed = false") },
  { weight: 1, arbitrary: fc.constantFrom("s3 =", "  max_concurrent_requests = 20", "\taddressing_style = path", "# comment", "; comment", "", "   ", "not ini at all", "[not closed", "=") },
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 16 }).filter((s) => !/[\r\n]/.test(s)) },
);
const section = fc.tuple(header, fc.array(bodyLine, { maxLength: 6 })).map(([h, body]) => [h, ...body]);
const configText = fc
  .tuple(fc.array(bodyLine, { maxLength: 2 }), fc.array(section, { maxLength: 6 }), fc.constantFrom("\n", "\r\n", "mixed"), fc.boolean(), fc.boolean(), fc.nat())
  .map(([pre, sections, eol, bom, finalNewline, salt]) => {
    const ls = [...pre, ...sections.flat()];
    let t = "";
    ls.forEach((l, i) => {
      const e = eol === "mixed" ? ((salt >> i % 16) & 1 ? "\r\n" : "\n") : eol;
      t += l + (i < ls.length - 1 || finalNewline ? e : "");
    });
    // profiles sync handles the file as latin1 (one char per byte): a UTF-8 BOM is these three chars
    return (bom ? "\xEF\xBB\xBF" : "") + t;
  });
const wanted = fc.uniqueArray(
  fc.tuple(profileNames.filter((n) => n !== "default"), fc.constantFrom("/usr/local/bin/sesame credential-process %s", '"/opt/my tools/sesame" credential-process %s --config /c.toml'), fc.option(fc.constantFrom("eu-west-1", "us-east-2"), { nil: undefined })).map(
    ([name, cp, region]): WantedProfile => ({ name, credentialProcess: cp.replace("%s", name), ...(region ? { region } : {}) }),
  ),
  { selector: (p) => p.name, maxLength: 4 },
);

/** The lines outside the blocks sesame manages (their owned range: header to last key). */
function foreignLines(text: string): { text: string; eol: string; kind: string }[] {
  return splitOwned(text).foreign;
}
function ownedLines(text: string): { text: string; eol: string; kind: string }[] {
  return splitOwned(text).owned;
}
function splitOwned(text: string): { foreign: { text: string; eol: string; kind: string }[]; owned: { text: string; eol: string; kind: string }[] } {
  // The byte order mark belongs to the file, not to a line: it is checked on its own (syncVerdict).
  const doc = parseIni(text.replace(/^\xEF\xBB\xBF/, ""));
  const owned = new Array<boolean>(doc.lines.length).fill(false);
  for (const s of doc.sections) {
    if (profileOfHeader(s.header) !== undefined && isManaged(doc, s)) for (let i = s.start; i < ownedEnd(doc, s); i++) owned[i] = true;
  }
  const pick = (l: { text: string; eol: string; kind: string }) => ({ text: l.text, eol: l.eol, kind: l.kind });
  return { foreign: doc.lines.filter((_, i) => !owned[i]).map(pick), owned: doc.lines.filter((_, i) => owned[i]).map(pick) };
}

describe("~/.aws/config writer", () => {
  test("any text (unicode, any line endings) is read back byte for byte", () => {
    run("config: tokenizer round trip, arbitrary text", fc.string({ unit: "binary", maxLength: 400 }), (t) => {
      if (renderLines(parseIni(t).lines) !== t) throw new Error("not byte-exact");
    });
  }, budget(60_000));

  test("sync never changes a non-blank line outside the managed profiles, and is idempotent (any line endings, indented lines)", () => {
    run("config: sync keeps foreign lines, idempotent", fc.tuple(configText, wanted), syncVerdict);
  }, budget(120_000));

  test("adding profiles to a file without managed ones, then removing them, gives the file back byte for byte", () => {
    run("config: add then remove round trip", fc.tuple(unmanaged, wanted), roundTripVerdict);
  }, budget(120_000));

  // Regressions found by the properties above (fixed in 4763eb7):
  // CONFIG-INDENTED-KEY: a user's line written indented at the top of a managed block was moved below sesame's
  // lines, where configparser reads it as a continuation of credential_process; the next sync dropped it.
  test("a user's indented key in a managed block survives sync, and credential_process stays one line", () => {
    const t = "[profile dev]\n\taddressing_style = path\nsesame_managed = true\n";
    syncVerdict([t, [{ name: "dev", credentialProcess: "/usr/local/bin/sesame credential-process dev" }]]);
    const out = parseIni(syncProfiles(t, [{ name: "dev", credentialProcess: "/usr/local/bin/sesame credential-process dev" }]).text);
    const cp = out.lines.findIndex((l) => l.kind === "key" && l.name === "credential_process");
    expect(out.lines[cp + 1]?.kind).not.toBe("continuation");
    expect(out.lines.some((l) => l.text.includes("addressing_style = path"))).toBe(true);
  });

  // CONFIG-EOL-FLIP: in a file mixing \r\n and \n, every sync rewrote the managed blocks with the other ending.
  test("sync settles on a file that mixes \\r\\n and \\n", () => {
    expect(() => syncVerdict(["[profile  a ]\r\nsesame_managed = true\n[profile a]\n", [{ name: "dev", credentialProcess: "/usr/local/bin/sesame credential-process dev" }]])).not.toThrow();
  });

  // CONFIG-ROUNDTRIP-END: at the end of a file, add-then-remove dropped a trailing blank line, or left a final
  // newline the file did not have.
  test("add then remove is byte-exact at the end of the file too", () => {
    const w1 = [{ name: "dev", credentialProcess: "sesame credential-process dev" }];
    for (const t of ["[profile prod]\n\n", "[profile mine]\nregion = eu-west-1", "\xEF\xBB\xBF\n", "\u000b\n"]) expect(() => roundTripVerdict([t, w1])).not.toThrow();
  });
});

const unmanaged = configText.filter((t) => !/sesame_managed/i.test(t));

function roundTripVerdict([t, w]: [string, WantedProfile[]]): void {
  const added = syncProfiles(t, w).text;
  const back = syncProfiles(added, []).text;
  if (back !== t) throw new Error(`not byte-exact:\n${JSON.stringify(t)}\n${JSON.stringify(back)}`);
}

function syncVerdict([t, w]: [string, WantedProfile[]]): void {
  const r = syncProfiles(t, w);
  // 0. a byte order mark stays in front, once
  if (t.startsWith("\xEF\xBB\xBF") !== r.text.startsWith("\xEF\xBB\xBF") || r.text.startsWith("\xEF\xBB\xBF\xEF\xBB\xBF")) throw new Error("the byte order mark moved");
  // 1. every non-blank line outside managed blocks comes back, same text, same order, same ending
  //    (the file's last line may gain the ending a profile appended after it needs)
  //    (a comment the user put inside a managed block may come out below sesame's keys: it was not outside)
  const before = foreignLines(t).filter((l) => l.text.trim() !== "");
  const after = foreignLines(r.text).filter((l) => l.text.trim() !== "");
  const wasInside = new Map<string, number>();
  for (const l of ownedLines(t)) if (l.kind === "comment") wasInside.set(l.text, (wasInside.get(l.text) ?? 0) + 1);
  let j = 0;
  for (const a of after) {
    const b = before[j];
    if (b && a.text === b.text && (a.eol === b.eol || (b.eol === "" && j === before.length - 1))) {
      j++;
      continue;
    }
    const n = wasInside.get(a.text) ?? 0;
    if (n === 0) throw new Error(`line outside the managed blocks changed or appeared: ${JSON.stringify(a)} (expected ${JSON.stringify(b)})`);
    wasInside.set(a.text, n - 1);
  }
  if (j !== before.length) throw new Error(`line outside the managed blocks lost: ${JSON.stringify(before[j])}`);
  // 2. again with the same wishes: nothing to do
  const again = syncProfiles(r.text, w);
  if (again.text !== r.text || again.added.length + again.updated.length + again.removed.length > 0) throw new Error("not idempotent");
  // 3. each wished profile is there once, managed, with its command (unless a foreign profile has the name)
  const doc = parseIni(r.text);
  for (const p of w) {
    const secs = doc.sections.filter((s) => profileOfHeader(s.header) === p.name);
    if (r.skipped.includes(p.name)) {
      if (secs.some((s) => isManaged(doc, s))) throw new Error(`managed twin of foreign ${p.name} kept`);
      continue;
    }
    if (secs.length !== 1 || !isManaged(doc, secs[0]!)) throw new Error(`${p.name}: ${secs.length} sections`);
    const cp = doc.lines.slice(secs[0]!.start, secs[0]!.end).find((l) => l.kind === "key" && l.name === "credential_process");
    if (cp?.value !== p.credentialProcess) throw new Error(`${p.name}: credential_process ${cp?.value}`);
  }
}
