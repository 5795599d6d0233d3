// A catalog from its text, lookups by name (lookup.ts), and the one region rule. No file access: the warm path reads the file itself.
import { parseToml } from "./parse.ts";
import type { Catalog } from "./types.ts";
import { validateCatalog } from "./validate.ts";

export { NO_CATALOG_FIX, sessionNamed, ssoSessionNamed, sessionRegion, stsCallRegion } from "./lookup.ts";

export function catalogFromText(file: string, text: string): Catalog {
  return validateCatalog(parseToml(file, text));
}
