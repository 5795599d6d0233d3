// Read + parse + validate, with the one "no catalog" message.
import { readFileSync } from "node:fs";
import { CatalogError } from "../errors.ts";
import { parseToml } from "./parse.ts";
import type { Catalog, Session } from "./types.ts";
import { validateCatalog } from "./validate.ts";

export function loadCatalog(file: string): Catalog {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CatalogError(file, undefined, "no catalog here", "create it (see the README for an example) or pass --config PATH");
    throw new CatalogError(file, undefined, `cannot read the catalog (${code ?? "error"})`, "check the file's permissions");
  }
  return validateCatalog(parseToml(file, text));
}

export function sessionNamed(cat: Catalog, name: string): Session {
  const s = cat.sessions.get(name);
  if (!s) {
    const names = [...cat.sessions.keys()];
    throw new CatalogError(cat.file, undefined, `no session named "${name}"`, names.length ? `known sessions: ${names.slice(0, 12).join(", ")}${names.length > 12 ? ", …" : ""}` : "add a [session.NAME] table");
  }
  return s;
}
