// DurationSeconds, SerialNumber and TokenCode as both GetSessionToken and AssumeRole take them; the MFA
// code is asked for only when the session has an mfa_serial (and only on a cache miss).
import { mfaCodeFor } from "./mfa-code.ts";
import type { Deps } from "./types.ts";

export interface DurationAndMfa {
  durationSeconds?: number;
  serialNumber?: string;
  tokenCode?: string;
}

export async function durationAndMfa(s: { name: string; duration_seconds?: number; mfa_serial?: string; mfa_process?: string }, d: Deps): Promise<DurationAndMfa> {
  const p: DurationAndMfa = {};
  if (s.duration_seconds) p.durationSeconds = s.duration_seconds;
  if (s.mfa_serial) {
    // undefined: this resolution already sent the device's code lower in the chain (mfa-code.ts)
    const code = await mfaCodeFor(s, d);
    if (code !== undefined) {
      p.serialNumber = s.mfa_serial;
      p.tokenCode = code;
    }
  }
  return p;
}
