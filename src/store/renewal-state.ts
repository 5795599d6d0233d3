// What the last background renewal of a session left behind: nothing when it succeeded, its error when it
// failed (for `list` and `doctor`), one small 0600 file per session in the state folder. Never a secret:
// only sesame's own error code and one-line message, which never carry one.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../runtime/files.ts";

export interface RenewalFailure {
  /** ISO time of the failure */
  at: string;
  code: string;
  message: string;
  /** failures in a row (absent: 1) */
  count?: number;
}

/** A failing background renewal is tried again after 15 s, 30 s, 1 min … at most every 5 minutes. */
export function renewalBackoffMs(count: number): number {
  return Math.min(5 * 60_000, 15_000 * 2 ** Math.max(0, Math.min(count, 10) - 1));
}

/** When the next background renewal may start (epoch ms); undefined when nothing holds it back. */
export function renewalHeldUntil(stateDir: string, session: string): number | undefined {
  const f = lastRenewalFailure(stateDir, session);
  if (!f) return undefined;
  const at = Date.parse(f.at);
  return Number.isNaN(at) ? undefined : at + renewalBackoffMs(f.count ?? 1);
}

function renewalFile(stateDir: string, session: string): string {
  return join(stateDir, "renewal", `${session}.json`);
}

export function recordRenewalFailure(stateDir: string, session: string, f: RenewalFailure): void {
  writeFileAtomic(renewalFile(stateDir, session), JSON.stringify(f) + "\n");
}

export function clearRenewalFailure(stateDir: string, session: string): void {
  try {
    rmSync(renewalFile(stateDir, session), { force: true });
  } catch { /* an unreadable state folder: doctor says so; never fail a call for it */ }
}

export function lastRenewalFailure(stateDir: string, session: string): RenewalFailure | undefined {
  try {
    const v = JSON.parse(readFileSync(renewalFile(stateDir, session), "utf8")) as RenewalFailure;
    return typeof v?.code === "string" && typeof v.message === "string" && typeof v.at === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}
