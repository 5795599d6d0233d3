// One lock per aws-login session: a sign-in, a refresh and a sign-out wait for each other, so two
// processes never spend the same refresh token (AWS rotates it on every use: the loser's session would be
// gone, aws-cli#10628). A sign-in holds it while the person answers in the browser.
import { join } from "node:path";
import { sha256HexSync } from "../runtime/sha256-sync.ts";
import { lockTimeoutMs, type LockOptions } from "../store/lock.ts";
import type { Env } from "../types.ts";

const STALE_MS = 15 * 60_000;

export function loginLock(d: { cacheDir: string; env: Env }, session: string, doing: "signing in to" | "refreshing" | "signing out of", timeoutMs = lockTimeoutMs(d.env)): { path: string; opts: LockOptions } {
  return { path: join(d.cacheDir, `login-${sha256HexSync(session).slice(0, 32)}.lock`), opts: { timeoutMs, staleMs: STALE_MS, what: `${doing} "${session}"` } };
}
