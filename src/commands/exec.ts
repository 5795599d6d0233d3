// sesame exec NAME -- CMD ARGS…: runs CMD with the session's credentials in its environment and
// becomes it as far as a parent can: stdio is shared, every signal a shell can send is passed on, and CMD's
// exit status (128 + signal number when a signal ended it, as shells report it) is sesame's.
import { sessionRegion } from "../catalog/catalog.ts";
import { isatty } from "node:tty";
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { loadSession } from "../catalog/load.ts";
import { SesameError, UsageError } from "../errors.ts";
import { applyEnv, credentialEnv } from "../output/shell-env.ts";
import { childEnvironment } from "../runtime/child-env.ts";

// Every signal a shell (kill, a job control command, a terminal) can aim at sesame that would otherwise kill
// it and orphan the child. Those a terminal sends to the whole foreground group reach the child already
// when sesame runs on a terminal. Not here: SIGTSTP/SIGTTIN/SIGTTOU (sesame must stop with the child so the
// shell sees the job stopped — their default), SIGKILL/SIGSTOP (cannot be caught), SIGPIPE/SIGCHLD (sesame's own).
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGALRM", "SIGCONT"] as const;
const FROM_TERMINAL: ReadonlySet<string> = new Set(["SIGINT", "SIGHUP", "SIGQUIT", "SIGWINCH"]);

/** Checks that need no I/O, done before the catalog is even read. */
export function validateExec(command: readonly string[], env: Record<string, string | undefined>): void {
  // A nested exec would silently swap the outer credentials for the inner ones (aws-vault refuses too).
  if (env.SESAME_SESSION) throw new UsageError(`already inside sesame exec for session ${env.SESAME_SESSION}`, "exit that shell first");
  if (command.length === 0 || command[0] === "") throw new UsageError("exec needs a command to run", "usage: sesame exec NAME -- COMMAND [ARGS…]");
}

export async function exec(name: string, command: readonly string[], opts: { config?: string }, env: Record<string, string | undefined> = process.env): Promise<number> {
  validateExec(command, env);
  const { cat, session: s } = await loadSession(name, opts.config, env);
  const { resolveSession } = await import("./resolve.ts");
  const creds = await resolveSession(cat, s, env);
  const childEnv = applyEnv(childEnvironment(env), credentialEnv(creds, sessionRegion(s, cat)));
  childEnv.SESAME_SESSION = name;
  return run(command, childEnv);
}

/** Spawns, forwards signals, and resolves to the exit status sesame should return. */
export function run(command: readonly string[], env: Record<string, string>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    // Handlers go in before the spawn: a signal that arrives while the child starts must not take
    // the default action (killing sesame and orphaning the child). They run from the event loop,
    // so by the time one runs, `child` is set.
    let child: ReturnType<typeof spawn> | undefined;
    const handlers: [string, () => void][] = [];
    const cleanup = () => {
      for (const [sig, h] of handlers) process.off(sig, h);
    };
    // On a terminal, Ctrl-C, Ctrl-\, a hang-up and a resize already reach the child (same foreground
    // process group): passing them on again would deliver them twice (Terraform reads two interrupts as
    // "exit now, skip cleanup"). The others, or any signal when no terminal is involved, are aimed at sesame alone.
    const onTerminal = [0, 1, 2].some((fd) => isatty(fd));
    for (const sig of FORWARDED) {
      const h = () => {
        if (FROM_TERMINAL.has(sig) && onTerminal) return; // sesame survives it and waits for the child
        try { child?.kill(sig); } catch { /* already gone */ }
      };
      try {
        process.on(sig, h);
        handlers.push([sig, h]);
      } catch {
        /* a signal this platform cannot listen for (SIGHUP on Windows under Deno) */
      }
    }
    try {
      child = spawn(command[0]!, command.slice(1), { stdio: "inherit", env });
    } catch (e) {
      cleanup();
      throw e;
    }
    child.once("error", (e: NodeJS.ErrnoException) => {
      cleanup();
      // env(1)'s statuses: 127 when the command is not found, 126 when it cannot be run.
      if (e.code === "ENOENT") reject(new SesameError("exec.not-found", `command not found: ${command[0]}`, 127, "check the name, or give its full path"));
      else reject(new SesameError("exec.cannot-run", `cannot run ${command[0]}: ${e.code ?? e.message}`, 126, "check that it is an executable file"));
    });
    child.once("exit", (code, signal) => {
      cleanup();
      if (code !== null) resolve(code);
      else resolve(128 + (signal ? (constants.signals as Record<string, number>)[signal] ?? 0 : 0));
    });
  });
}
