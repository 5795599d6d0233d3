// The real effects, each built lazily on first use: a command that never needs the keyring or STS
// never loads them.
import type { Catalog } from "../catalog/types.ts";
import { cacheDir, stateDir } from "../locations.ts";
import { NeedsInput } from "../errors.ts";
import type { SecretStore } from "../store/secret-store.ts";
import type { StsAdapter } from "../aws/sts-types.ts";
import type { SsoOidcAdapter, SsoPortalAdapter } from "../aws/sso-types.ts";
import type { SigninAdapter } from "../aws/signin-types.ts";
import type { Deps } from "./types.ts";
import type { Env } from "../types.ts";

export function realDeps(cat: Pick<Catalog, "file">, env: Env = process.env): Deps {
  let secrets: Promise<SecretStore> | undefined;
  let sts: Promise<StsAdapter> | undefined;
  let oidc: Promise<SsoOidcAdapter> | undefined;
  let portal: Promise<SsoPortalAdapter> | undefined;
  let signin: Promise<SigninAdapter> | undefined;
  return {
    now: () => Date.now(),
    env,
    cacheDir: cacheDir(env),
    stateDir: stateDir(env),
    secrets: () => (secrets ??= import("../store/open-secret-store.ts").then((m) => m.openSecretStore(env, cat.file))),
    sts: () => (sts ??= import("../aws/sts.ts").then((m) => m.stsAdapter(env))),
    ssoOidc: () => (oidc ??= import("../aws/sso-oidc.ts").then((m) => m.ssoOidcAdapter(env))),
    ssoPortal: () => (portal ??= import("../aws/sso.ts").then((m) => m.ssoPortalAdapter(env))),
    signin: () => (signin ??= import("../aws/signin.ts").then((m) => m.signinAdapter(env))),
    terminal: async () => (await import("../tty.ts")).hasTty(),
    mfaCode: async (serial, session) => {
      const tty = await import("../tty.ts");
      if (!tty.hasTty()) {
        throw new NeedsInput("mfa.no-terminal", `session "${session}" needs an MFA code and there is no terminal to ask on`, `run: sesame credential-process ${session} in a terminal once; the session is then cached`).at(session, true);
      }
      // Processes waiting on this one's locks can now say what they wait for (store/lock.ts).
      (await import("../store/lock.ts")).announce(`asking for the MFA code of ${session}`);
      for (let attempt = 0; attempt < 3; attempt++) {
        const code = (await tty.promptLine(`sesame: MFA code for ${serial} (session ${session}): `, { echo: true })).trim();
        if (/^\d{6}$/.test(code)) return code;
      }
      throw new NeedsInput("mfa.bad-code", `no valid MFA code was entered for "${session}"`, "enter the 6 digits your MFA device shows");
    },
  };
}
