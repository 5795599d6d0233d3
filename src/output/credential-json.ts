// The credential_process contract: one minified line, Version 1, Expiration as ISO 8601 UTC.
import type { Credentials } from "../types.ts";
import { isoSeconds } from "../runtime/iso-time.ts";

export function credentialJson(c: Credentials): string {
  const o: Record<string, unknown> = { Version: 1, AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey };
  if (c.sessionToken) o.SessionToken = c.sessionToken;
  if (c.expiration) o.Expiration = isoSeconds(c.expiration);
  return JSON.stringify(o) + "\n";
}
