// Read + parse + validate, with the one "no catalog" message. (The warm path reads the file through
// runtime/read-file.ts instead, to avoid loading node:fs.)
import { readFileSync } from "node:fs";
import { CatalogError, catalogMissing } from "../errors.ts";
import { catalogFromText, NO_CATALOG_FIX } from "./catalog.ts";
import type { Catalog } from "./types.ts";

export { sessionNamed } from "./catalog.ts";

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
