// A catalog from its text, and lookups by name. No file access: the warm path reads the file itself.
import { CatalogError } from "../errors.ts";
import { parseToml } from "./parse.ts";
import type { Catalog, Session } from "./types.ts";
import { validateCatalog } from "./validate.ts";

export function catalogFromText(file: string, text: string): Catalog {
  return validateCatalog(parseToml(file, text));
}

export const NO_CATALOG_FIX = "create it (see the README for an example) or pass --config PATH";

export function sessionNamed(cat: Catalog, name: string): Session {
  const s = cat.sessions.get(name);
  if (!s) {
    const names = [...cat.sessions.keys()];
    throw new CatalogError(cat.file, undefined, `no session named "${name}"`, names.length ? `known sessions: ${names.slice(0, 12).join(", ")}${names.length > 12 ? ", …" : ""}` : "add a [session.NAME] table");
  }
  return s;
}
