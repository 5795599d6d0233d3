// --browser: how the console's hand-off page is opened, so that sessions of different accounts live apart in
// the browser. No template gets the sign-in URL or its token; each gets the one-time hand-off of
// console/handoff.ts:
//   firefox-container[:NAME]  Firefox, in the container NAME (default: the session's name), through the
//                             ext+container: URL scheme of the "Open external links in a container" extension.
//                             Firefox refuses file: URLs from extensions, so this one gets the loopback link,
//                             which then answers only this user's connections (handoff.ts, ownerOnly);
// the others get the hand-off page's file: URL:
//   chrome-profile[:DIR]      Google Chrome / Chromium with --user-data-dir, one profile folder per session
//   chromium-profile[:DIR]    (DIR, default the session's name) under sesame's data folder, made 0700;
//   a command with {url}      split into words as a shell would (quotes, backslashes) but run without a shell.
import { join } from "node:path";
import { UsageError } from "../errors.ts";
import { dataDir } from "../locations.ts";
import { ensurePrivateDir } from "../runtime/files.ts";
import type { Env } from "../types.ts";

export interface LaunchCommand {
  cmd: string;
  args: string[];
}

export interface Launcher {
  /** true: build() takes the loopback link (owner-only), not the page's file: URL */
  linkInArgv: boolean;
  build: (url: string) => LaunchCommand;
}

const NAME_RE = /^[\w][\w .@+-]{0,63}$/;
const HINT = "give firefox-container[:NAME], chrome-profile[:DIR], chromium-profile[:DIR], or a command with {url}, e.g. --browser 'firefox -P work {url}'";

function shown(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, "?").slice(0, 60);
}

/** Checks --browser now (before any credentials are fetched); the result builds the command for a page URL. */
export function browserLauncher(spec: string, session: string, env: Env, platform: string = process.platform): Launcher {
  const m = /^(firefox-container|chrome-profile|chromium-profile)(?::(.*))?$/s.exec(spec);
  if (m) {
    const kind = m[1]!;
    const name = m[2] ?? session;
    if (!NAME_RE.test(name)) throw new UsageError(`--browser ${kind}:${shown(name)}: the name must be 1–64 letters, digits, spaces or . _ @ + -`, `e.g. --browser ${kind}:work`);
    if (kind === "firefox-container") {
      return {
        linkInArgv: true,
        build: (link) => {
          const url = `ext+container:name=${encodeURIComponent(name)}&url=${encodeURIComponent(link)}`;
          return platform === "darwin" ? { cmd: "open", args: ["-a", "Firefox", url] } : { cmd: "firefox", args: [url] };
        },
      };
    }
    return { linkInArgv: false, build: (page) => {
      const dir = join(dataDir(env), "browser-profiles", name);
      ensurePrivateDir(dir);
      const flags = [`--user-data-dir=${dir}`, "--no-first-run", page];
      if (platform === "darwin") return { cmd: "open", args: ["-na", kind === "chrome-profile" ? "Google Chrome" : "Chromium", "--args", ...flags] };
      return { cmd: kind === "chrome-profile" ? "google-chrome" : "chromium", args: flags };
    } };
  }
  const words = splitWords(spec);
  if (!words.length || !words.some((w) => w.includes("{url}"))) throw new UsageError(`--browser "${shown(spec)}" is neither a known template nor a command with {url}`, HINT);
  if (words[0]!.includes("{url}")) throw new UsageError(`--browser "${shown(spec)}": {url} cannot be the command itself`, HINT);
  return { linkInArgv: false, build: (page) => ({ cmd: words[0]!, args: words.slice(1).map((w) => w.replaceAll("{url}", page)) }) };
}

/** Words as a POSIX shell splits them (single and double quotes, backslashes); no expansion of any kind. */
export function splitWords(s: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new UsageError(`--browser: a ' is not closed`, HINT);
      cur += s.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      inWord = true;
      for (i++; ; i++) {
        if (i >= s.length) throw new UsageError(`--browser: a " is not closed`, HINT);
        const d = s[i]!;
        if (d === '"') break;
        if (d === "\\" && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) cur += s[++i];
        else cur += d;
      }
    } else if (c === "\\") {
      if (i + 1 < s.length) cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
