// A generation per root of trust (an IAM user's key, an SSO sign-in): a random word in a small file that
// `secret set/delete` and `logout` replace. It is part of every hop identity above that root, so the moment
// it changes, every credential cached from the old key or sign-in — under any version of the catalog, and
// including one a refresh already in flight is about to write — is never looked up again. Storage only:
// the identity built from it is credentials/identity.ts's (currentIdentity).
import type { Catalog, Session } from "../catalog/types.ts";
import { joinPath } from "../runtime/paths.ts";
import { readFileBytes } from "../runtime/read-file.ts";
import { randomHex } from "../runtime/random-hex.ts";

/** The root of trust a session's credentials come from. */
export function rootKey(cat: Catalog, s: Session): string {
  let cur = s;
  const seen = new Set<string>();
  while (cur.type === "assume-role" && !seen.has(cur.name)) {
    seen.add(cur.name);
    const next = cat.sessions.get(cur.source);
    if (!next) break;
    cur = next;
  }
  return cur.type === "sso" ? `sso-session:${cur.sso_session}` : `${cur.type}:${cur.name}`;
}

function fileFor(stateDir: string, root: string): string {
  // The root's name, made safe for a file name (names are [A-Za-z0-9_.+@=-], sso-session names likewise).
  return joinPath(stateDir, "generations", root.replace(/[^A-Za-z0-9_.+@=-]/g, "_"));
}

/** "" until the root's first secret change. */
export async function readGeneration(stateDir: string, root: string): Promise<string> {
  const b = await readFileBytes(fileFor(stateDir, root)).catch(() => undefined);
  return b ? new TextDecoder().decode(b).trim() : "";
}

export async function bumpGeneration(stateDir: string, root: string): Promise<void> {
  const { writeFileAtomic } = await import("../runtime/files.ts");
  const word = randomHex(12);
  writeFileAtomic(fileFor(stateDir, root), word + "\n");
}
