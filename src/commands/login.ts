// sesame login SSO [--device-code] [--no-browser] [--force]
import { writeSync } from "node:fs";
import { catalogPath } from "../locations.ts";
import { loadCatalog } from "../catalog/load.ts";
import { realDeps } from "../credentials/deps.ts";
import { ssoSessionNamed } from "../catalog/catalog.ts";
import { EXIT } from "../errors.ts";
import { login } from "../sso/login.ts";
import { streamUi } from "../sso/login-ui.ts";
import { clock } from "../output/clock.ts";
import type { Env } from "../types.ts";

export async function loginCommand(name: string, opts: { config?: string; deviceCode?: boolean; browser?: boolean; force?: boolean }, env: Env = process.env): Promise<void> {
  const cat = loadCatalog(catalogPath(opts.config, env));
  const sso = ssoSessionNamed(cat, name);
  const d = realDeps(cat, env);
  let release: (() => void) | undefined;
  // Ctrl-C: nothing is written before the very end, so only the lock needs letting go.
  const onSigint = () => {
    release?.();
    writeSync(2, `\nsesame: login to "${sso.name}" cancelled\n`);
    process.exit(EXIT.interrupted);
  };
  process.on("SIGINT", onSigint);
  try {
    const r = await login(sso, d, {
      ui: streamUi(2, process.stderr.isTTY === true),
      deviceCode: opts.deviceCode === true,
      noBrowser: opts.browser === false,
      force: opts.force === true,
      onLock: (rel) => (release = rel),
    });
    const until = clock(new Date(r.token.expiresAt), Date.now());
    const refresh = r.token.refreshToken ? "; renewed silently after that" : "";
    writeSync(2, r.already ? `sesame: already signed in to "${sso.name}" until ${until}${refresh} (--force signs in again)\n` : `sesame: signed in to "${sso.name}" until ${until}${refresh}\n`);
  } finally {
    process.off("SIGINT", onSigint);
  }
}
