import { describe, expect, test } from "bun:test";
import { bomOf, parseIni, profileOfHeader } from "../../../src/awsconfig/ini.ts";
import { dominantLineEnding, lineEnding, renderLines, splitLines } from "../../../src/text/lines.ts";

// Files a real ~/.aws/config can look like; each must come back byte for byte.
const SAMPLES: Record<string, string> = {
  empty: "",
  "only a newline": "\n",
  "comments, default, odd spacing": "# top comment\n; another\n[default]\nregion=us-east-1\n  output   :   json  \n\n[profile  spaced ]  ; trailing note\nregion = eu-west-1\n",
  crlf: "[default]\r\nregion = us-east-1\r\n\r\n[profile work]\r\nrole_arn = arn:aws:iam::111111111111:role/Work\r\nsource_profile = default\r\n",
  "mixed endings": "[a]\r\nk = v\n[b]\nk = v\r\n",
  "no trailing newline": "[profile x]\nregion = us-east-1",
  "sso-session, services and nested values": [
    "[sso-session corp]",
    "sso_start_url = https://corp.awsapps.com/start",
    "sso_region = eu-west-1",
    "",
    "[services local]",
    "s3 =",
    "  endpoint_url = http://localhost:4566",
    "  addressing_style = path",
    "",
    "[profile dev]",
    "sso_session = corp",
    "s3 =",
    "    max_concurrent_requests = 20",
    "",
  ].join("\n"),
  "tabs, blank lines with spaces, garbage": "\t[default]\n   \nthis is not ini\n[profile x]\n\tregion = us-east-1\n",
  "utf-8 and a BOM": "\uFEFF[profile caf\u00e9]\nregion = \u00e9u\n",
};

describe("round trip", () => {
  test.each(Object.entries(SAMPLES))("%s", (_name, text) => {
    const doc = parseIni(text);
    expect(renderLines(doc.lines)).toBe(text);
    // sections tile the lines with no gap or overlap
    let at = 0;
    for (const s of doc.sections) {
      expect(s.start).toBe(at);
      at = s.end;
    }
    expect(at).toBe(doc.lines.length);
  });
});

test("line endings are kept per line, and a missing final newline stays missing", () => {
  expect(splitLines("a\r\nb\nc")).toEqual([
    { text: "a", eol: "\r\n" },
    { text: "b", eol: "\n" },
    { text: "c", eol: "" },
  ]);
  expect(lineEnding("[a]\r\nk=v\n")).toBe("\r\n");
  expect(lineEnding("[a]\nk=v\r\n")).toBe("\n");
  expect(lineEnding("")).toBe("\n");
});

test("lines are classified as botocore's configparser reads them", () => {
  const doc = parseIni(SAMPLES["sso-session, services and nested values"]!);
  const kinds = doc.lines.map((l) => [l.kind, l.name ?? ""]);
  expect(kinds.slice(0, 8)).toEqual([
    ["header", "sso-session corp"],
    ["key", "sso_start_url"],
    ["key", "sso_region"],
    ["blank", ""],
    ["header", "services local"],
    ["key", "s3"],
    ["continuation", ""],
    ["continuation", ""],
  ]);
  expect(doc.sections.map((s) => s.header)).toEqual([undefined, "sso-session corp", "services local", "profile dev"]);
});

test("option names are case-insensitive and values trimmed; an indented header still opens a section", () => {
  const doc = parseIni("  [profile x]\nSESAME_Managed =  TRUE  \n");
  expect(doc.lines[0]).toMatchObject({ kind: "header", name: "profile x" });
  expect(doc.lines[1]).toMatchObject({ kind: "key", name: "sesame_managed", value: "TRUE" });
});

test.each([
  ["default", "default"],
  ["profile dev", "dev"],
  ["profile   dev  ", "dev"],
  ['profile "dev"', "dev"],
  ["profile", undefined],
  ["profiledev", undefined],
  ["profile a b", undefined],
  ["sso-session corp", undefined],
  ["services local", undefined],
  ["preview", undefined],
])("header [%s] names profile %p", (header, name) => {
  expect(profileOfHeader(header)).toBe(name);
});

describe("what every AWS SDK reads past", () => {
  test("a UTF-8 byte order mark before the first header (decoded as UTF-8 or as latin1) is read past and kept in the text", () => {
    for (const bom of ["\ufeff", "\xEF\xBB\xBF"]) {
      const text = `${bom}[carol]\r\naws_access_key_id = AKIA\r\n`;
      const doc = parseIni(text);
      expect(doc.lines[0]).toMatchObject({ kind: "header", name: "carol" });
      expect(doc.sections[1]!.header).toBe("carol");
      expect(renderLines(doc.lines)).toBe(text);
      expect(bomOf(text)).toBe(bom);
    }
  });

  test("a lone \\r ends a line, as Python's universal newlines read it", () => {
    const doc = parseIni("[carol]\raws_access_key_id = AKIA\r");
    expect(doc.lines.map((l) => [l.kind, l.eol])).toEqual([["header", "\r"], ["key", "\r"]]);
    expect(dominantLineEnding("[a]\rk = v\r")).toBe("\r");
  });
});
