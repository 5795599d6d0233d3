// Runs a command as sesame's stand-in: stdio shared, every signal a shell can send passed on, and its exit
// status (128 + signal number when a signal ended it, as shells report it) handed back. Used by `exec`
// and by `exec --server`.
import { isatty } from "node:tty";
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { EXIT, SesameError } from "../errors.ts";

// Every signal a shell (kill, a job control command, a terminal) can aim at sesame that would otherwise kill
// it and orphan the child. Those a terminal sends to the whole foreground group reach the child already
// when sesame runs on a terminal. Not here: SIGTSTP/SIGTTIN/SIGTTOU (sesame must stop with the child so the
// shell sees the job stopped — their default), SIGKILL/SIGSTOP (cannot be caught), SIGPIPE/SIGCHLD (sesame's own).
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGALRM", "SIGCONT"] as const;
const FROM_TERMINAL: ReadonlySet<string> = new Set(["SIGINT", "SIGHUP", "SIGQUIT", "SIGWINCH"]);

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
      if (e.code === "ENOENT") reject(new SesameError("exec.not-found", `command not found: ${command[0]}`, EXIT.notFound, "check the name, or give its full path"));
      else reject(new SesameError("exec.cannot-run", `cannot run ${command[0]}: ${e.code ?? e.message}`, EXIT.cannotRun, "check that it is an executable file"));
    });
    child.once("exit", (code, signal) => {
      cleanup();
      if (code !== null) resolve(code);
      else resolve(128 + (signal ? (constants.signals as Record<string, number>)[signal] ?? 0 : 0));
    });
  });
}
