// sesame exec NAME -- CMD ARGS…: runs CMD with the session's credentials in its environment and
// becomes it as far as a parent can: stdio is shared, every signal a shell can send is passed on, and CMD's
// exit status (128 + signal number when a signal ended it, as shells report it) is sesame's.
import { sessionRegion } from "../catalog/catalog.ts";
import { loadSession } from "../catalog/load.ts";
import { UsageError } from "../errors.ts";
import { run } from "../runtime/run-command.ts";
import { applyEnv, credentialEnv } from "../output/shell-env.ts";
import { childEnvironment } from "../runtime/child-env.ts";
import type { Env } from "../types.ts";

/** Checks that need no I/O, done before the catalog is even read. */
export function validateExec(command: readonly string[], env: Env): void {
  // A nested exec would silently swap the outer credentials for the inner ones (aws-vault refuses too).
  if (env.SESAME_SESSION) throw new UsageError(`already inside sesame exec for session ${env.SESAME_SESSION}`, "exit that shell first");
  if (command.length === 0 || command[0] === "") throw new UsageError("exec needs a command to run", "usage: sesame exec NAME -- COMMAND [ARGS…]");
}

export async function exec(name: string, command: readonly string[], opts: { config?: string; server?: boolean; imds?: boolean; bind?: string }, env: Env = process.env): Promise<number> {
  validateExec(command, env);
  const { cat, session: s } = await loadSession(name, opts.config, env);
  // --server / --imds: an endpoint for the child instead of credentials in its environment (src/server/).
  if (opts.server || opts.imds) return (await import("../server/exec-server.ts")).execWithServer(name, command, cat, env, opts);
  if (opts.bind !== undefined) throw new UsageError("exec: --bind goes with --server", `use: sesame exec ${name} --server --bind 127.0.0.1 -- COMMAND`);
  const { resolveSession } = await import("../credentials/resolve.ts");
  const creds = await resolveSession(cat, s, env);
  const childEnv = applyEnv(childEnvironment(env), credentialEnv(creds, sessionRegion(s, cat)));
  childEnv.SESAME_SESSION = name;
  return run(command, childEnv);
}
