// Writing TOML by hand, for the writers that add to a catalog without reformatting it (`import`,
// `sso sync`): a value as a basic string, a key bare when TOML allows it and quoted otherwise.

const BARE_KEY_RE = /^[A-Za-z0-9_-]+$/;

export function tomlKey(k: string): string {
  return BARE_KEY_RE.test(k) ? k : tomlString(k);
}

/** A TOML basic string. */
export function tomlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}
