// Runs a command of the catalog (web_identity_token_command, mfa_process, saml_assertion_command) and
// returns what it printed on stdout. Bounded in time and size, so a hanging or runaway program fails the
// credential process with one line instead of hanging every AWS tool. The command is the user's own
// configuration, run through the shell as the AWS CLI runs credential_process; nothing secret is ever
// put on its command line (what it prints is the secret, and only sesame reads it).
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { forTerminal } from "../output/sanitize.ts";
import { EXIT, SesameError } from "../errors.ts";

/** Seconds a command may take unless SESAME_COMMAND_TIMEOUT says otherwise. */
export const DEFAULT_COMMAND_TIMEOUT = 60;
const MAX_STDOUT = 1024 * 1024; // a SAMLResponse is the largest thing expected: tens of kB

export interface CommandOptions {
  /** the catalog key the command comes from, named in errors */
  key: string;
  session: string;
  env: Record<string, string | undefined>;
  /** give the command's stdin and stderr the controlling terminal when there is one (prompts, "touch your key") */
  terminal?: boolean;
}

export function commandTimeout(env: Record<string, string | undefined>): number {
  const n = Number(env.SESAME_COMMAND_TIMEOUT);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_COMMAND_TIMEOUT;
}

function fail(o: CommandOptions, what: string, fix: string): SesameError {
  return new SesameError("command", `${o.key} of session "${o.session}" ${what}`, EXIT.needsLogin, fix);
}

export function runCommand(command: string, o: CommandOptions): Promise<string> {
  const secs = commandTimeout(o.env);
  // The terminal, when asked for and there is one: its prompts reach the person even when an SDK hides
  // sesame's stderr. Otherwise stdin is empty and stderr is kept for the error line.
  let ttyFd: number | undefined;
  if (o.terminal && process.platform !== "win32") {
    try {
      ttyFd = openSync("/dev/tty", "r+");
    } catch {
      ttyFd = undefined;
    }
  }
  const win = process.platform === "win32";
  const child = spawn(win ? "cmd.exe" : "/bin/sh", win ? ["/d", "/s", "/c", command] : ["-c", command], {
    env: o.env as NodeJS.ProcessEnv,
    stdio: [ttyFd ?? "ignore", "pipe", ttyFd ?? "pipe"],
    windowsHide: true,
  });
  if (ttyFd !== undefined) closeSync(ttyFd); // the child has its own copy
  return new Promise<string>((resolve, reject) => {
    const out: Buffer[] = [];
    let size = 0;
    let err = "";
    let settled = false;
    const finish = (e: SesameError | undefined, value?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (e) {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
        child.stdout?.destroy();
        child.stderr?.destroy();
        reject(e);
      } else resolve(value!);
    };
    const timer = setTimeout(
      () => finish(fail(o, `did not finish within ${secs} s`, `check that it runs on its own: ${o.key} = "${forTerminal(command)}" (SESAME_COMMAND_TIMEOUT sets the limit)`)),
      secs * 1000,
    );
    child.stdout!.on("data", (d: Buffer) => {
      size += d.length;
      if (size > MAX_STDOUT) return finish(fail(o, `printed more than ${MAX_STDOUT} bytes`, `check ${o.key}: it must print only the value`));
      out.push(d);
    });
    child.stderr?.on("data", (d: Buffer) => {
      if (err.length < 8192) err += d.toString("utf8");
    });
    child.on("error", (e: NodeJS.ErrnoException) => finish(fail(o, `could not be started (${e.code ?? e.message})`, `check ${o.key}`)));
    child.on("close", (code, signal) => {
      if (code === 0) return finish(undefined, Buffer.concat(out).toString("utf8"));
      const last = err.split("\n").map((l) => l.trim()).filter(Boolean).at(-1);
      const said = last ? `: ${forTerminal(last).slice(0, 200)}` : "";
      const how = signal ? `was stopped by ${signal}` : code === 127 ? "was not found (exit status 127)" : `failed with exit status ${code}`;
      finish(fail(o, `${how}${said}`, `run it yourself to see why: ${forTerminal(command)}`));
    });
  });
}
