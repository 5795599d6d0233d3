// sesame login NAME [--device-code] [--remote] [--no-browser] [--force]: NAME is an sso-session (or a
// session that uses one), or an aws-login session (or a role chained from one).
import { writeSync } from "node:fs";
import { catalogPath, cacheDir, stateDir } from "../locations.ts";
import { loadCatalog } from "../catalog/load.ts";
import { realDeps } from "../credentials/deps.ts";
import { sessionRegion, ssoSessionNamed } from "../catalog/catalog.ts";
import type { AwsLoginSession, Catalog } from "../catalog/types.ts";
import { chainOf } from "../credentials/identity.ts";
import { EXIT, UsageError } from "../errors.ts";
import { login } from "../sso/login.ts";
import { streamUi } from "../sso/login-ui.ts";
import { clock } from "../output/clock.ts";
import type { Env } from "../types.ts";

export interface LoginFlags {
  config?: string;
  deviceCode?: boolean;
  remote?: boolean;
  browser?: boolean;
  force?: boolean;
}

/** The aws-login session NAME stands for: itself, or the root of the chain it names. */
export function awsLoginNamed(cat: Catalog, name: string): AwsLoginSession | undefined {
  const s = cat.sessions.get(name);
  if (!s || cat.ssoSessions.has(name)) return undefined;
  const root = chainOf(cat, s).at(-1)!;
  return root.type === "aws-login" ? root : undefined;
}

export async function loginCommand(name: string, opts: LoginFlags, env: Env = process.env): Promise<void> {
  const cat = loadCatalog(catalogPath(opts.config, env));
  const aws = awsLoginNamed(cat, name);
  if (aws) return consoleLogin(cat, aws, opts, env);
  if (opts.remote) throw new UsageError(`--remote is for aws-login sessions; "${name}" signs in to IAM Identity Center`, `use: sesame login ${name} --device-code`);
  const sso = ssoSessionNamed(cat, name);
  const d = realDeps(cat, env);
  await cancellable(sso.name, async (onLock) => {
    const r = await login(sso, d, {
      ui: streamUi(2, process.stderr.isTTY === true),
      deviceCode: opts.deviceCode === true,
      noBrowser: opts.browser === false,
      force: opts.force === true,
      onLock,
    });
    const until = clock(new Date(r.token.expiresAt), Date.now());
    const refresh = r.token.refreshToken ? "; renewed silently after that" : "";
    writeSync(2, r.already ? `sesame: already signed in to "${sso.name}" until ${until}${refresh} (--force signs in again)\n` : `sesame: signed in to "${sso.name}" until ${until}${refresh}\n`);
  });
}

/** Ctrl-C during a sign-in: nothing is written before the very end, so only the lock needs letting go. */
async function cancellable(name: string, run: (onLock: (release: () => void) => void) => Promise<void>): Promise<void> {
  let release: (() => void) | undefined;
  const onSigint = () => {
    release?.();
    writeSync(2, `\nsesame: login to "${name}" cancelled\n`);
    process.exit(EXIT.interrupted);
  };
  process.on("SIGINT", onSigint);
  try {
    await run((rel) => (release = rel));
  } finally {
    process.off("SIGINT", onSigint);
  }
}

async function consoleLogin(cat: Catalog, s: AwsLoginSession, opts: LoginFlags, env: Env): Promise<void> {
  if (opts.deviceCode) throw new UsageError(`--device-code is for IAM Identity Center; "${s.name}" is an aws-login session`, `use: sesame login ${s.name} --remote (to sign in with a browser on another device)`);
  const d = realDeps(cat, env);
  const { awsLogin } = await import("../signin/login.ts");
  const { loadLogin } = await import("../signin/tokens.ts");
  const before = await loadLogin(await d.secrets(), s.name);
  await cancellable(s.name, async (onLock) => {
    const r = await awsLogin(s, sessionRegion(s, cat) ?? "us-east-1", d, {
      ui: streamUi(2, process.stderr.isTTY === true),
      remote: opts.remote === true,
      noBrowser: opts.browser === false,
      force: opts.force === true,
      readCode: readPastedCode,
      onLock,
    });
    if (!r.already && before?.loginSession !== r.record.loginSession) {
      // Another identity than before: nothing cached from the previous one may be served as this one.
      const { forgetRoot } = await import("../credentials/forget.ts");
      await forgetRoot(cat, `aws-login:${s.name}`, env, { cacheDir: cacheDir(env), stateDir: stateDir(env) });
    }
    const { forTerminal } = await import("../output/sanitize.ts");
    const who = forTerminal(r.record.loginSession);
    writeSync(2, r.already ? `sesame: "${s.name}" is already signed in as ${who} (--force signs in again)\n` : `sesame: signed in for "${s.name}" as ${who}; credentials renew for up to 12 hours\n`);
    if (!s.login_session && !r.already) writeSync(2, `sesame: to pin this identity, add login_session = "${who}" to [session.${s.name}]\n`);
  });
}

/** The cross-device code: from the terminal when there is one, else one line of stdin (for scripts). */
async function readPastedCode(prompt: string): Promise<string> {
  const tty = await import("../tty.ts");
  if (process.stdin.isTTY && tty.hasTty()) return tty.promptLine(prompt, { echo: true });
  writeSync(2, prompt + "\n");
  const { readFileSync } = await import("node:fs");
  let text = "";
  try {
    text = readFileSync(0, "utf8");
  } catch {
    /* no stdin: refused as "not a code" below */
  }
  return text.slice(0, 16384).split(/\r?\n/).find((l) => l.trim() !== "") ?? "";
}
