// Opening a URL in the user's browser: $BROWSER when set (the Unix convention, also how tests play the
// browser), else open / xdg-open / the Windows URL handler. The URL goes in argv, where every local user
// can read it for as long as the browser runs: only URLs that carry no secret are passed here (an SSO
// authorize URL, a device verification URL, or console/handoff.ts's private page, never a console sign-in token).
import { spawn } from "node:child_process";
import { childEnvironment } from "./child-env.ts";
import type { Env } from "../types.ts";

export function canOpenBrowser(env: Env): boolean {
  if (env.BROWSER) return true;
  if (process.platform === "darwin" || process.platform === "win32") return true;
  return !!(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** Starts the browser; false when it cannot even be spawned. `onFail` hears, later, that the opener was
 *  not found or exited non-zero (xdg-open with no handler): a caller waiting on the browser can stop. */
export function openBrowser(url: string, env: Env, onFail?: (why: string) => void): boolean {
  // Only web and file addresses reach an opener: never a word it could take for an option (`--…`), nor
  // one with whitespace or control characters that $BROWSER's words could split or a terminal could act on.
  if (!/^(https?|file):\/\/[^\s\u0000-\u001f\u007f]+$/i.test(url)) return false;
  let cmd: string;
  let args: string[];
  const browser = env.BROWSER?.split(":")[0]?.trim();
  if (browser) {
    const parts = browser.split(/\s+/);
    cmd = parts[0]!;
    args = parts.slice(1).map((a) => a.replace("%s", url));
    if (!browser.includes("%s")) args.push(url);
  } else if (process.platform === "darwin") {
    cmd = "open";
    args = [url];
  } else if (process.platform === "win32") {
    cmd = "rundll32";
    args = ["url.dll,FileProtocolHandler", url];
  } else {
    cmd = "xdg-open";
    args = [url];
  }
  return spawnBrowser(cmd, args, env, onFail);
}

/** Starts a browser command (args as given: no shell); false when it cannot even be spawned. */
export function spawnBrowser(cmd: string, args: string[], env: Env, onFail?: (why: string) => void): boolean {
  try {
    const child = spawn(cmd, args, { detached: true, stdio: "ignore", env: childEnvironment(env) });
    child.on("error", () => onFail?.(`${cmd} could not be started`));
    child.on("exit", (code) => {
      if (code) onFail?.(`${cmd} exited with status ${code}`);
    });
    child.unref();
    return true;
  } catch {
    return false;
  }
}
