// An `aws login` world for the e2e tests: the harness's world with AWS Sign-In at the emulator, and
// `sesame login` driven the way a person would: the test reads the sign-in URL sesame prints, answers the
// emulator's /v1/authorize page for the user, then opens the redirect (same device) or pastes the code
// AWS's confirmation page shows (--remote).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { BIN, world, type World } from "./harness.ts";

export const CONSOLE_DEV = "arn:aws:iam::123456789012:user/console-dev";
export const LOGIN_ROLE = "arn:aws:iam::444444444444:role/FromConsole";

export const LOGIN_CATALOG = (extra = "") => `
[defaults]
region = "us-east-1"

[session.web]
type = "aws-login"
${extra}

[session.ops]
type = "assume-role"
source = "web"
role_arn = "${LOGIN_ROLE}"
`;

export async function loginWorld(catalogText = LOGIN_CATALOG()): Promise<World & { loginCache: string }> {
  const w = await world(catalogText);
  w.env.AWS_ENDPOINT_URL_SIGNIN = w.emu.url;
  const loginCache = join(w.home, ".aws", "login", "cache");
  return Object.assign(w, { loginCache });
}

export interface ConsoleLoginRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** what the browser showed after the redirect (same device) */
  page?: string;
}

/**
 * `sesame login NAME ARGS` with no terminal. `as` is the console identity that signs in; `deny` refuses
 * the consent; `answer` replaces the test's answer for the user (e.g. to paste a wrong code).
 */
export function consoleLogin(
  w: World,
  name: string,
  args: string[] = [],
  opts: { as?: string; deny?: boolean; answer?: (url: string) => Promise<string | void>; env?: Record<string, string> } = {},
): Promise<ConsoleLoginRun> {
  const remote = args.includes("--remote");
  const child = spawn(BIN, ["login", name, "--no-browser", ...args], { env: { ...w.env, ...opts.env }, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let page: string | undefined;
  let answered = false;
  let answering: Promise<void> = Promise.resolve();
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => {
    stderr += d;
    const m = /(http:\/\/127\.0\.0\.1:\d+\/v1\/authorize\?\S+)/.exec(stderr);
    if (!m || answered) return;
    answered = true;
    const url = m[1]!;
    answering = (async () => {
      if (opts.answer) {
        const pasted = await opts.answer(url);
        if (remote) child.stdin.end(pasted ?? "");
        return;
      }
      const redirect = w.emu.completeLogin(url, { ...(opts.as ? { loginSession: opts.as } : {}), ...(opts.deny ? { deny: true } : {}) });
      const res = await fetch(redirect);
      const html = await res.text();
      if (remote) {
        const code = /<code id="verification-code">([^<]+)<\/code>/.exec(html)?.[1] ?? "";
        child.stdin.end(code + "\n");
      } else {
        page = html;
      }
    })();
  });
  if (!remote) child.stdin.end();
  return new Promise((res, rej) => {
    child.on("error", rej);
    child.on("close", async (code) => {
      await answering.catch(() => {});
      res({ code, stdout, stderr, ...(page !== undefined ? { page } : {}) });
    });
  });
}
