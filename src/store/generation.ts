// A generation per root of trust (an IAM user's key, an SSO sign-in): a random word in a small file that
// `secret set/delete` and `logout` replace. It is part of every hop identity above that root, so the moment
// it changes, every credential cached from the old key or sign-in — under any version of the catalog, and
// including one a refresh already in flight is about to write — is never looked up again.
import type { Catalog, Session } from "../catalog/types.ts";
import { hopIdentity } from "../credentials/identity.ts";
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
  const { writeFileAtomic } = await import("./files.ts");
  const word = randomHex(12);
  writeFileAtomic(fileFor(stateDir, root), word + "\n");
}

/** The identity a session's cache entry has now: its hop identity under its root's current generation. */
export async function currentIdentity(cat: Catalog, s: Session, env: Record<string, string | undefined>, stateDir: string): Promise<string> {
  return hopIdentity(cat, s, env, await readGeneration(stateDir, rootKey(cat, s)));
}

/** currentIdentity for many sessions at once (`list`): each root's generation file is read once. */
export function identityReader(cat: Catalog, env: Record<string, string | undefined>, stateDir: string): (s: Session) => Promise<string> {
  const gens = new Map<string, Promise<string>>();
  return async (s) => {
    const root = rootKey(cat, s);
    let g = gens.get(root);
    if (!g) gens.set(root, (g = readGeneration(stateDir, root)));
    return hopIdentity(cat, s, env, await g);
  };
}
