// Interop with the AWS CLI's and SDKs' `aws login` token cache ($AWS_LOGIN_CACHE_DIRECTORY or
// ~/.aws/login/cache, one file per console identity: <sha256 hex of its ARN>.json, format in
// docs/aws-login.md). `import` takes a sign-in over from it; with share_with_aws_cli, sesame keeps it current
// after each of its refreshes and uses what the CLI or an SDK left there after theirs (they rotate the
// refresh token too, and a rotated token is the only one that still works).
import { readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { sha256HexSync } from "../runtime/sha256-sync.ts";
import { awsCliLoginCacheDir } from "../locations.ts";
import { writeFileAtomic } from "../runtime/files.ts";
import type { Env } from "../types.ts";
import { isLoginRecord, type LoginRecord } from "./tokens.ts";

export function awsCliLoginFile(loginSession: string, env: Env): string {
  return join(awsCliLoginCacheDir(env), `${sha256HexSync(loginSession)}.json`);
}

/** The CLI's token for this identity as a record (`region` and `signedInAt` are the caller's), or undefined. */
export function readAwsCliLogin(loginSession: string, region: string, env: Env): LoginRecord | undefined {
  let o: Record<string, unknown>;
  try {
    const text = readFileSync(awsCliLoginFile(loginSession, env), "utf8");
    if (text.length > 1 << 20) return undefined;
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const r = { loginSession, region, clientId: o.clientId, refreshToken: o.refreshToken, dpopKey: o.dpopKey, tokenType: o.tokenType ?? "aws_sigv4", accessToken: o.accessToken, ...(typeof o.idToken === "string" ? { idToken: o.idToken } : {}) };
  if (!isLoginRecord(r)) return undefined;
  // Only the five fields the readers take: nothing else the file may hold rides along into the keyring.
  const a = r.accessToken;
  r.accessToken = { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey, sessionToken: a.sessionToken, accountId: a.accountId, expiresAt: a.expiresAt };
  return r;
}

/** Writes the record in the CLI's format (0600, atomic), under its identity's hash. */
export function writeAwsCliLogin(r: LoginRecord, env: Env): void {
  const o = {
    accessToken: r.accessToken,
    tokenType: r.tokenType,
    clientId: r.clientId,
    refreshToken: r.refreshToken,
    ...(r.idToken ? { idToken: r.idToken } : {}),
    dpopKey: r.dpopKey,
  };
  writeFileAtomic(awsCliLoginFile(r.loginSession, env), JSON.stringify(o, null, 2));
}

/** Removes the CLI's file only if it holds this very sign-in (same DPoP key): never someone else's. */
export function removeAwsCliLogin(r: LoginRecord, env: Env): boolean {
  const file = awsCliLoginFile(r.loginSession, env);
  try {
    const o = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    if (o.dpopKey !== r.dpopKey) return false;
    unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}
