// The environment a session's credentials become (shared by `exec` and `env`) and its rendering as
// sh (also for bash and zsh), fish or PowerShell statements. Pure: no I/O, so quoting is tested directly.
import type { Credentials, Env } from "../types.ts";
import { isoSeconds } from "../runtime/iso-time.ts";

/** The names `env --shell` takes (and completion offers); bash and zsh get sh syntax. */
export const SHELLS = ["sh", "bash", "zsh", "fish", "powershell"] as const;
/** The syntaxes rendered. */
export type Shell = "sh" | "fish" | "powershell";

export function syntaxOf(name: (typeof SHELLS)[number]): Shell {
  return name === "bash" || name === "zsh" ? "sh" : name;
}

export interface EnvChange {
  set: [string, string][];
  /** variables that must not survive: they would shadow or contradict the credentials set here */
  unset: string[];
}

/**
 * AWS_PROFILE / AWS_DEFAULT_PROFILE go because some tools prefer a named profile over env credentials.
 * A session token or expiration from an outer environment would pair with the wrong keys, so they go
 * when these credentials have none; AWS_SECURITY_TOKEN is the legacy (boto2) name of the token.
 */
export function credentialEnv(c: Credentials, region: string | undefined): EnvChange {
  const set: [string, string][] = [
    ["AWS_ACCESS_KEY_ID", c.accessKeyId],
    ["AWS_SECRET_ACCESS_KEY", c.secretAccessKey],
  ];
  const unset: string[] = [];
  if (c.sessionToken) set.push(["AWS_SESSION_TOKEN", c.sessionToken]);
  else unset.push("AWS_SESSION_TOKEN");
  // Same format as the credential_process JSON (no milliseconds).
  if (c.expiration) set.push(["AWS_CREDENTIAL_EXPIRATION", isoSeconds(c.expiration)]);
  else unset.push("AWS_CREDENTIAL_EXPIRATION");
  if (region) set.push(["AWS_REGION", region], ["AWS_DEFAULT_REGION", region]);
  unset.push("AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE");
  return { set, unset };
}

export function applyEnv(base: Env, change: EnvChange): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) out[k] = v;
  for (const k of change.unset) delete out[k];
  for (const [k, v] of change.set) out[k] = v;
  return out;
}

export function renderEnv(change: EnvChange, shell: Shell): string {
  const lines: string[] = [];
  switch (shell) {
    case "sh":
      for (const [k, v] of change.set) lines.push(`export ${k}=${shQuote(v)}`);
      if (change.unset.length) lines.push(`unset ${change.unset.join(" ")}`);
      break;
    case "fish":
      for (const [k, v] of change.set) lines.push(`set -gx ${k} ${fishQuote(v)}`);
      // `set -e` of a variable that is not set fails quietly (status 4), which is what we want.
      for (const k of change.unset) lines.push(`set -e ${k}`);
      break;
    case "powershell":
      for (const [k, v] of change.set) lines.push(`$Env:${k} = ${psQuote(v)}`);
      for (const k of change.unset) lines.push(`Remove-Item Env:${k} -ErrorAction SilentlyContinue`);
      break;
  }
  return lines.join("\n") + "\n";
}

/** POSIX sh: nothing is special inside single quotes; a quote is closed, escaped and reopened. */
export function shQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

/** fish: inside single quotes only \' and \\ are escapes. */
export function fishQuote(v: string): string {
  return `'${v.replace(/[\\']/g, "\\$&")}'`;
}

/** PowerShell: inside single quotes a quote is doubled; the typographic quotes count as quotes too. */
export function psQuote(v: string): string {
  return `'${v.replace(/['\u2018\u2019\u201a\u201b]/g, "$&$&")}'`;
}
