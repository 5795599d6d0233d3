// A lossless line tokenizer for ~/.aws/config. Nothing is normalised: every line keeps its exact
// text and line ending, so joining the lines gives back the input byte for byte, and a writer can
// replace some lines while the rest of the file stays identical (PRODUCT.md: "byte for byte").
// Lines are classified the way botocore reads the file (Python's configparser), because the AWS
// CLI is the reader whose opinion counts: full-line comments start with # or ;, a line indented
// deeper than the key above it continues that key, and option names are case-insensitive.

export type LineKind = "blank" | "comment" | "header" | "key" | "continuation" | "other";

export interface Line {
  /** the line without its ending */
  text: string;
  eol: "" | "\n" | "\r\n";
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

export function splitLines(text: string): { text: string; eol: "" | "\n" | "\r\n" }[] {
  const out: { text: string; eol: "" | "\n" | "\r\n" }[] = [];
  let i = 0;
  while (i < text.length) {
    const nl = text.indexOf("\n", i);
    if (nl === -1) {
      out.push({ text: text.slice(i), eol: "" });
      break;
    }
    const crlf = nl > i && text[nl - 1] === "\r";
    out.push({ text: text.slice(i, crlf ? nl - 1 : nl), eol: crlf ? "\r\n" : "\n" });
    i = nl + 1;
  }
  return out;
}

export function parseIni(text: string): IniDoc {
  const lines: Line[] = [];
  const sections: Section[] = [{ header: undefined, start: 0, end: 0 }];
  // Indentation of the current key, or -1 when there is none (start of a section, after a blank line
  // or comment configparser would still continue the value, but for deciding what a line *is* the
  // indentation rule alone is what matters).
  let keyIndent = -1;
  for (const raw of splitLines(text)) {
    const stripped = raw.text.trim();
    const indent = raw.text.length - raw.text.trimStart().length;
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

export function renderLines(lines: readonly { text: string; eol: string }[]): string {
  let s = "";
  for (const l of lines) s += l.text + l.eol;
  return s;
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

/** The file's own line ending (its first one), so lines sesame adds match the lines around them. */
export function lineEnding(text: string): "\n" | "\r\n" {
  const nl = text.indexOf("\n");
  return nl > 0 && text[nl - 1] === "\r" ? "\r\n" : "\n";
}

/**
 * The ending most of the file's lines use (the first line's on a tie). In a file that mixes \r\n and \n,
 * the first line may come and go with a profile sesame removes; the majority does not swing that way.
 */
export function dominantLineEnding(text: string): "\n" | "\r\n" {
  let crlf = 0;
  let lf = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    if (i > 0 && text[i - 1] === "\r") crlf++;
    else lf++;
  }
  return crlf > lf ? "\r\n" : lf > crlf ? "\n" : lineEnding(text);
}
