// What a catalog is, for the keyring items and cache entries that belong to it (store/catalog-secrets.ts,
// credentials/identity.ts). On the warm path: pure string work, no import beyond the path helpers.
import { absolutePath } from "../runtime/paths.ts";

/** The catalog file's absolute path, normalised lexically ("." and ".." and repeated slashes folded).
 *  Symbolic links are not resolved, on purpose: this is on the warm path (it is part of the cache
 *  identity) and costs no system call. A catalog reached through two different paths counts as two. */
export function catalogIdentity(file: string): string {
  let p = absolutePath(file).replace(/\\/g, "/");
  const drive = /^[A-Za-z]:/.exec(p)?.[0] ?? "";
  p = p.slice(drive.length);
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  const norm = `${drive}/${out.join("/")}`;
  return drive ? norm.toLowerCase() : norm; // Windows paths are case-insensitive
}
