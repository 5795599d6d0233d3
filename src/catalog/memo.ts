// Parsing and validating TOML costs time on every call: the parser and the validator are the biggest part
// of the warm path's code, and at 500 sessions the parse costs more than the rest of a warm
// credential-process. So the validated catalog is kept as JSON in the state folder, one file per catalog
// path, and reused only while the catalog's text, its path and sesame's version are exactly those it was
// made from (a SHA-256 of all three is inside). Anything else — an edit, another version, a damaged memo —
// is a full parse (the parser is loaded only then), which writes a new memo. Only valid catalogs are kept:
// errors are always found by the parser, with their line and column. The memo holds nothing the catalog
// does not (no secret); whoever can write the state folder can already edit the catalog itself.
import type { Catalog, Session, SsoSessionDef } from "./types.ts";
import { joinPath } from "../runtime/paths.ts";
import { readFileBytes } from "../runtime/read-file.ts";
import { VERSION } from "../version.ts";
import { sha256HexSync as sha256 } from "../runtime/sha256-sync.ts";

const FORMAT = "sesame-catalog-memo/1";

interface Memo {
  format: string;
  hash: string;
  file: string;
  defaults: Catalog["defaults"];
  ssoSessions: [string, SsoSessionDef][];
  sessions: [string, Session][];
}

export async function catalogFromTextMemo(file: string, text: string, stateDir: string): Promise<Catalog> {
  const parse = async () => (await import("./catalog.ts")).catalogFromText(file, text);
  const hash = sha256(`${FORMAT}\0${VERSION}\0${file}\0${text}`);
  const name = sha256(file);
  const path = joinPath(stateDir, "catalogs", `${name.slice(0, 32)}.json`);
  const memo = await readMemo(path);
  if (memo && memo.hash === hash && memo.file === file) {
    return { file, defaults: memo.defaults, ssoSessions: new Map(memo.ssoSessions), sessions: new Map(memo.sessions) };
  }
  const cat = await parse();
  await writeMemo(path, { format: FORMAT, hash, file, defaults: cat.defaults, ssoSessions: [...cat.ssoSessions], sessions: [...cat.sessions] });
  return cat;
}

async function readMemo(path: string): Promise<Memo | undefined> {
  try {
    const bytes = await readFileBytes(path);
    if (!bytes) return undefined;
    const m = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Memo>;
    if (m.format !== FORMAT || typeof m.hash !== "string" || !Array.isArray(m.sessions) || !Array.isArray(m.ssoSessions) || typeof m.defaults !== "object" || !m.defaults) return undefined;
    return m as Memo;
  } catch {
    return undefined; // damaged or not a file: parse instead
  }
}

async function writeMemo(path: string, memo: Memo): Promise<void> {
  try {
    const { writeFileAtomic } = await import("../runtime/files.ts");
    writeFileAtomic(path, JSON.stringify(memo));
  } catch {
    // a state folder that cannot be written only costs the next call a parse
  }
}
