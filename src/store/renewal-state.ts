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
