// sesame env NAME [--shell sh|bash|zsh|fish|powershell]: export statements for a session's credentials, for
// `eval "$(sesame env NAME)"`. Only the statements go to stdout.
import { sessionRegion } from "../catalog/catalog.ts";
import { writeSync } from "node:fs";
import { loadSession } from "../catalog/load.ts";
import { UsageError } from "../errors.ts";
import { credentialEnv, renderEnv, SHELLS, syntaxOf, type Shell } from "../output/shell-env.ts";
import type { Env } from "../types.ts";

export function parseShell(v: unknown): Shell {
  if (v === undefined || v === true) return "sh"; // `--shell` alone is caught by cac; true only in tests
  if (typeof v === "string" && (SHELLS as readonly string[]).includes(v)) return syntaxOf(v as (typeof SHELLS)[number]);
  throw new UsageError(`unknown shell "${String(v)}"`, `use --shell ${SHELLS.join(", --shell ")}`);
}

export async function env(name: string, opts: { config?: string; shell?: unknown }, environ: Env = process.env): Promise<void> {
  const shell = parseShell(opts.shell); // before any I/O
  const { cat, session: s } = await loadSession(name, opts.config, environ);
  const { resolveSession } = await import("../credentials/resolve.ts");
  const creds = await resolveSession(cat, s, environ);
  writeSync(1, renderEnv(credentialEnv(creds, sessionRegion(s, cat)), shell));
}
