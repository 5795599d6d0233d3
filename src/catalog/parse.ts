// TOML text → raw tables (smol-toml) plus an index from dotted key paths to line:col, so every
// refusal can point at the exact place in the file. smol-toml keeps no positions, hence the scanner.
import { parse, TomlError } from "smol-toml";
import { CatalogError } from "../errors.ts";

export interface Pos {
  line: number;
  col: number;
}

export interface ParsedToml {
  file: string;
  data: Record<string, unknown>;
  /** "session.alice" → header position; "session.alice.role_arn" → key position */
  readonly keys: Map<string, Pos>;
  /** "session.alice.role_arn" → position of the value */
  readonly values: Map<string, Pos>;
}

export function parseToml(file: string, text: string): ParsedToml {
  let data: Record<string, unknown>;
  try {
    data = parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.replace(/^Invalid TOML document:\s*/, "").split("\n")[0] ?? "invalid TOML";
      throw new CatalogError(file, { line: e.line, col: e.column }, `not valid TOML: ${first}`, "fix the syntax at that place");
    }
    throw e;
  }
  // The position index is only needed to word a refusal: build it on first use (the warm path never does).
  let index: { keys: Map<string, Pos>; values: Map<string, Pos> } | undefined;
  const positions = () => (index ??= indexPositions(text));
  return {
    file,
    data,
    get keys() {
      return positions().keys;
    },
    get values() {
      return positions().values;
    },
  };
}

/** Splits a dotted TOML key (`session."my.name".type`) into its parts. */
export function splitDotted(s: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (s[i] === " " || s[i] === "\t") i++;
    let part = "";
    const q = s[i];
    if (q === '"' || q === "'") {
      i++;
      while (i < s.length && s[i] !== q) {
        if (q === '"' && s[i] === "\\" && i + 1 < s.length) {
          part += s[i + 1];
          i += 2;
          continue;
        }
        part += s[i++];
      }
      i++;
    } else {
      while (i < s.length && s[i] !== "." && s[i] !== " " && s[i] !== "\t") part += s[i++];
    }
    parts.push(part);
    while (s[i] === " " || s[i] === "\t") i++;
    if (s[i] === ".") i++;
    else break;
  }
  return parts;
}

const KEY = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
const DOTTED = String.raw`${KEY}(?:\s*\.\s*${KEY})*`;
/** `[a."b"]`: group 1 the indentation, group 2 the dotted key. */
export const HEADER_RE = new RegExp(String.raw`^(\s*)\[\s*(${DOTTED})\s*\]`);
const ARRAY_HEADER_RE = new RegExp(String.raw`^(\s*)\[\[\s*(${DOTTED})\s*\]\]`);
/** `a.b = `: group 1 the indentation, group 2 the dotted key. */
export const KEYLINE_RE = new RegExp(String.raw`^(\s*)(${DOTTED})\s*=\s*`);

function indexPositions(text: string): { keys: Map<string, Pos>; values: Map<string, Pos> } {
  const keys = new Map<string, Pos>();
  const values = new Map<string, Pos>();
  const lines = text.split(/\r?\n/);
  let table: string[] = [];
  let skipUntil: string | undefined; // closing delimiter of a multi-line string
  let bracketDepth = 0; // inside a multi-line array
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n] ?? "";
    if (skipUntil) {
      if (line.includes(skipUntil)) skipUntil = undefined;
      continue;
    }
    if (bracketDepth > 0) {
      bracketDepth += count(line, "[") - count(line, "]");
      continue;
    }
    // [[x]] (an array of tables, which the catalog never uses) still gets a position, for the refusal.
    const a = ARRAY_HEADER_RE.exec(line);
    if (a) {
      table = splitDotted(a[2] ?? "");
      const path = table.join(".");
      if (!keys.has(path)) keys.set(path, { line: n + 1, col: (a[1]?.length ?? 0) + 1 });
      continue;
    }
    const h = HEADER_RE.exec(line);
    if (h) {
      table = splitDotted(h[2] ?? "");
      keys.set(table.join("."), { line: n + 1, col: (h[1]?.length ?? 0) + 1 });
      continue;
    }
    const k = KEYLINE_RE.exec(line);
    if (!k) continue;
    const path = [...table, ...splitDotted(k[2] ?? "")].join(".");
    keys.set(path, { line: n + 1, col: (k[1]?.length ?? 0) + 1 });
    values.set(path, { line: n + 1, col: k[0].length + 1 });
    const rest = line.slice(k[0].length);
    for (const d of ['"""', "'''"]) {
      if (rest.startsWith(d) && rest.indexOf(d, 3) < 0) skipUntil = d;
    }
    if (rest.startsWith("[")) bracketDepth = Math.max(0, count(rest, "[") - count(rest, "]"));
  }
  return { keys, values };
}

function count(s: string, ch: string): number {
  let c = 0;
  for (const x of s) if (x === ch) c++;
  return c;
}
