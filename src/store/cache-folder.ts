// Is the cache folder usable? Asked only on a miss (the warm path never gets here). A read-only root in a
// container, a path under a regular file, a folder of someone else: sesame then works without a cache —
// every call fetches — and says so once, on stderr, instead of failing with an internal error.
import { accessSync, constants, writeSync } from "node:fs";
import { ensurePrivateDir } from "../runtime/files.ts";

const checked = new Map<string, boolean>();

export function cacheFolderUsable(dir: string): boolean {
  let ok = checked.get(dir);
  if (ok !== undefined) return ok;
  let why = "";
  try {
    ensurePrivateDir(dir);
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    why = (e as NodeJS.ErrnoException).code ?? "error";
  }
  ok = why === "";
  checked.set(dir, ok);
  if (!ok) writeSync(2, `sesame: warning: the cache folder ${dir.replace(/[\x00-\x1f\x7f]/g, "?")} cannot be used (${why}): credentials are not cached\n`);
  return ok;
}
