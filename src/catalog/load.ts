// Read + parse + validate, with the one "no catalog" message. (The warm path reads the file through
// runtime/read-file.ts instead, to avoid loading node:fs.)
import { readFileSync } from "node:fs";
import { CatalogError, catalogMissing } from "../errors.ts";
import { catalogFromText, NO_CATALOG_FIX, sessionNamed } from "./catalog.ts";
import { catalogPath, stateDir } from "../locations.ts";
import type { Catalog, Session } from "./types.ts";

export { sessionNamed } from "./catalog.ts";

/** The first step of every command that uses one session (exec, env, whoami, console): the catalog that
 *  --config or the environment names (through the memo of big catalogs), and the session NAME in it. */
export async function loadSession(name: string, config: string | undefined, env: Record<string, string | undefined>): Promise<{ cat: Catalog; session: Session }> {
  const cat = await loadCatalogMemo(catalogPath(config, env), stateDir(env));
  return { cat, session: sessionNamed(cat, name) };
}

export function loadCatalog(file: string): Catalog {
  return catalogFromText(file, readCatalogText(file));
}

/** The same, through the memo of big catalogs (catalog/memo.ts): for commands that read every session. */
export async function loadCatalogMemo(file: string, stateDir: string): Promise<Catalog> {
  const { catalogFromTextMemo } = await import("./memo.ts");
  return catalogFromTextMemo(file, readCatalogText(file), stateDir);
}

function readCatalogText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw catalogMissing(file, NO_CATALOG_FIX);
    throw new CatalogError(file, undefined, `cannot read the catalog (${code ?? "error"})`, "check the file's permissions");
  }
}
