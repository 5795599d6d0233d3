// The environment of a process sesame starts (the command of `exec`, the browser): the caller's, minus every
// variable that is, or unlocks, a sesame secret. Today that is SESAME_FILE_PASSPHRASE — the key to every
// long-lived secret in the file keyring; a child needs none of it (a sesame it runs asks on the terminal).
// Settings that only say where things are (SESAME_CONFIG, SESAME_KEYRING, …) stay, so a sesame started
// by the child finds the same catalog and keyring.
import type { Env } from "../types.ts";
export const WITHHELD_FROM_CHILDREN = ["SESAME_FILE_PASSPHRASE"] as const;

export function childEnvironment(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !(WITHHELD_FROM_CHILDREN as readonly string[]).includes(k)) out[k] = v;
  return out;
}
