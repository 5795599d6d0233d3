// doctor's look at the roots of trust that live outside the keyring (issue 14): a web-identity token file
// that cannot be read, and catalog commands (web_identity_token_command, mfa_process,
// saml_assertion_command) whose program is not on PATH. Nothing is run and no token is read beyond
// checking that the file can be opened.
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import type { Catalog } from "../catalog/types.ts";
import type { Finding } from "./doctor-finding.ts";

type Env = Record<string, string | undefined>;

export function checkRoots(cat: Catalog, env: Env, add: (f: Finding) => void): void {
  for (const s of cat.sessions.values()) {
    if (s.type === "web-identity" && s.web_identity_token_file) {
      try {
        accessSync(s.web_identity_token_file, constants.R_OK);
        add({ check: "roots", status: "ok", message: `session "${s.name}": web identity token file ${s.web_identity_token_file} is readable` });
      } catch (e) {
        add({ check: "roots", status: "warn", message: `session "${s.name}": web identity token file ${s.web_identity_token_file} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`, fix: "fine where the token is mounted later (a pod, a CI job); otherwise check web_identity_token_file" });
      }
    }
    const commands: [string, string | undefined][] = [
      ["web_identity_token_command", s.type === "web-identity" ? s.web_identity_token_command : undefined],
      ["mfa_process", s.type === "iam-user" || s.type === "assume-role" ? s.mfa_process : undefined],
      ["saml_assertion_command", s.type === "saml" ? s.saml_assertion_command : undefined],
    ];
    for (const [key, cmd] of commands) {
      if (!cmd) continue;
      const program = firstWord(cmd);
      if (program === undefined || onPath(program, env)) continue;
      add({ check: "roots", status: "warn", message: `session "${s.name}": the program of ${key} (${program}) is not found on PATH`, fix: `install it or give its full path in ${key}` });
    }
  }
}

/** The program a simple shell command runs; undefined when the command is more than that (a pipeline, a variable …). */
function firstWord(cmd: string): string | undefined {
  const m = /^\s*([\w./~+-]+)(?:\s|$)/.exec(cmd);
  if (!m || /[|;&$`()<>]/.test(cmd.split(/\s/)[0] ?? "")) return undefined;
  return m[1];
}

function onPath(program: string, env: Env): boolean {
  const shellWords = ["cat", "echo", "printf", "exec", "test", "true", "read", "sleep", "env"];
  if (shellWords.includes(program)) return true;
  const exe = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (program.includes("/")) return isAbsolute(program) || program.startsWith("~") ? program.startsWith("~") || exe(program) : true;
  return (env.PATH ?? "").split(delimiter).some((dir) => dir && exe(join(dir, program)));
}
