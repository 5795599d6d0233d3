// An IAM Identity Center world for the e2e tests: the harness's world plus an sso-session "corp"
// pointed at the emulator, and an account whose AdministratorAccess role the sessions use.
import { spawn, type ChildProcess } from "node:child_process";
import { BIN, world, type World } from "./harness.ts";

export const START = "https://d-1234567890.awsapps.com/start";

/** `extra` goes inside [sso-session.corp]; `sessions` after it. */
export function ssoCatalog(extra = "", sessions = ADMIN_SESSION): string {
  return `
[sso-session.corp]
sso_start_url = "${START}"
sso_region = "eu-west-1"
${extra}
${sessions}`;
}

export const ADMIN_SESSION = `
[session.admin]
type = "sso"
sso_session = "corp"
sso_account_id = "111111111111"
sso_role_name = "AdministratorAccess"
`;

export async function ssoWorld(catalogText: string, roles = ["AdministratorAccess"]): Promise<World> {
  const w = await world(catalogText);
  w.env.AWS_ENDPOINT_URL_SSO = w.emu.url;
  w.env.AWS_ENDPOINT_URL_SSO_OIDC = w.emu.url;
  w.emu.addSsoAccount({ accountId: "111111111111", accountName: "dev", roles });
  return w;
}

export interface LoginRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** the device code was shown (and handed to onCode, or approved) */
  approved: boolean;
}

/**
 * `sesame login corp ARGS` with no terminal (a new session), the test playing the user: as soon as the
 * device code is on stderr it is approved at the emulator, or handed to `onCode` instead. `env` is laid
 * over the world's (undefined removes a variable); `bin` replaces the binary (e.g. a umask shell before it).
 */
export function deviceLogin(
  w: World,
  args: string[] = [],
  opts: { env?: Record<string, string | undefined>; bin?: string[]; onCode?: (code: string, child: ChildProcess) => void } = {},
): Promise<LoginRun> {
  const env: Record<string, string> = { ...w.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const argv = [...(opts.bin ?? [BIN]), "login", "corp", ...args];
  return new Promise((res, rej) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let approved = false;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
      stderr += d;
      const m = /shows the code (\S+)/.exec(stderr);
      if (m && !approved) {
        approved = true;
        (opts.onCode ?? ((c) => w.emu.approveDevice(c)))(m[1]!, child);
      }
    });
    child.on("error", rej);
    child.on("close", (code, signal) => res({ code, signal, stdout, stderr, approved }));
  });
}
