// A lossless line tokenizer for ~/.aws/config. Nothing is normalised: every line keeps its exact
// text and line ending, so joining the lines gives back the input byte for byte, and a writer can
// replace some lines while the rest of the file stays identical (docs/security.md: "read back byte for byte").
// Lines are classified the way botocore reads the file (Python's configparser), because the AWS
// CLI is the reader whose opinion counts: full-line comments start with # or ;, a line indented
// deeper than the key above it continues that key, and option names are case-insensitive.
//
// This is the one reader for ~/.aws/config and ~/.aws/credentials on every path (import's plan, its key
// remover, profiles sync, doctor), so they can never disagree about what a file holds. What any AWS SDK
// finds, it finds: a UTF-8 byte order mark before the first line (Windows editors write one; the JS SDK
// reads past it, as its \s matches U+FEFF) is not part of the first line's meaning but stays in its text;
// the writers set it aside (bomOf) and put it back in front, so a rewrite keeps it byte for byte; \r\n and a lone \r (Python's universal newlines) end lines as \n does.
import { splitLines, type Eol } from "../text/lines.ts";

export type LineKind = "blank" | "comment" | "header" | "key" | "continuation" | "other";

export interface Line {
  /** the line without its ending */
  text: string;
  eol: Eol;
  kind: LineKind;
  /** header: the text between the brackets; key: the option name, lowercased as configparser does */
  name?: string;
  /** key: the value, trimmed */
  value?: string;
}

export interface Section {
  /** undefined for the lines before the first header */
  header: string | undefined;
  /** index of the first line (the header) and one past the last line, including trailing blanks and comments */
  start: number;
  end: number;
}

export interface IniDoc {
  lines: Line[];
  sections: Section[];
}

// configparser's SECTCRE is greedy: `[profile a] ; note` is the section "profile a".
const HEADER_RE = /^\[(.+)\]/;
const KEY_RE = /^(.*?)\s*[=:]\s*(.*)$/;

/** A UTF-8 byte order mark, as text decoded from UTF-8 ("\uFEFF") or from latin1 (its three bytes). */
const BOM_RE = /^(?:\uFEFF|\xEF\xBB\xBF)/;

/** The byte order mark the text starts with, or "". */
export function bomOf(text: string): string {
  return BOM_RE.exec(text)?.[0] ?? "";
}

export function parseIni(text: string): IniDoc {
  const lines: Line[] = [];
  const sections: Section[] = [{ header: undefined, start: 0, end: 0 }];
  // Indentation of the current key, or -1 when there is none (start of a section, after a blank line
  // or comment configparser would still continue the value, but for deciding what a line *is* the
  // indentation rule alone is what matters).
  let keyIndent = -1;
  for (const raw of splitLines(text)) {
    // The byte order mark is read past (on the first line only), as the JS SDK does.
    const body = lines.length === 0 ? raw.text.replace(BOM_RE, "") : raw.text;
    const stripped = body.trim();
    const indent = body.length - body.trimStart().length;
    let line: Line;
    if (stripped === "") line = { ...raw, kind: "blank" };
    else if (stripped.startsWith("#") || stripped.startsWith(";")) line = { ...raw, kind: "comment" };
    else if (keyIndent >= 0 && indent > keyIndent) line = { ...raw, kind: "continuation" };
    else {
      const h = HEADER_RE.exec(stripped);
      const k = h ? null : KEY_RE.exec(stripped);
      if (h) {
        line = { ...raw, kind: "header", name: h[1]! };
        sections.at(-1)!.end = lines.length;
        sections.push({ header: h[1]!, start: lines.length, end: lines.length });
        keyIndent = -1;
      } else if (k) {
        line = { ...raw, kind: "key", name: k[1]!.trim().toLowerCase(), value: k[2]!.trim() };
        keyIndent = indent;
      } else line = { ...raw, kind: "other" };
    }
    lines.push(line);
  }
  sections.at(-1)!.end = lines.length;
  return { lines, sections };
}

/**
 * The profile a section header names, as botocore reads it: `default`, or `profile NAME` with exactly
 * one word after "profile" (optionally quoted). Other sections (sso-session, services, plugins) name none.
 */
export function profileOfHeader(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const h = header.trim();
  if (h === "default") return "default";
  const m = /^profile\s+(.+)$/.exec(h);
  if (!m) return undefined;
  const parts = m[1]!.trim().split(/\s+/);
  if (parts.length !== 1) return undefined;
  return parts[0]!.replace(/^(["'])(.*)\1$/, "$2");
}
