// `sesame list` reads everything through the env it is given, SSO sign-ins included, and asks each listing
// afresh: two listings in one process with different homes each see their own AWS CLI sign-in.
import { afterAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listRows } from "../../../src/commands/list.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const CATALOG = `[sso-session.corp]
sso_start_url = "https://corp.awsapps.com/start"
sso_region = "eu-west-1"

[session.dev]
type = "sso"
sso_session = "corp"
sso_account_id = "111111111111"
sso_role_name = "Dev"
region = "eu-west-1"
`;

/** A home of its own: catalog, cache, state and a file keyring inside it; optionally an `aws sso login` token. */
function home(awsCliSignedIn: boolean): Record<string, string> {
  const h = mkdtempSync(join(tmpdir(), "sesame-list-"));
  dirs.push(h);
  writeFileSync(join(h, "sessions.toml"), CATALOG);
  if (awsCliSignedIn) {
    const dir = join(h, ".aws", "sso", "cache");
    mkdirSync(dir, { recursive: true });
    const token = { startUrl: "https://corp.awsapps.com/start", region: "eu-west-1", accessToken: "tok", expiresAt: new Date(Date.now() + 3600_000).toISOString() };
    writeFileSync(join(dir, `${createHash("sha1").update("corp").digest("hex")}.json`), JSON.stringify(token));
  }
  return {
    HOME: h,
    SESAME_CONFIG: join(h, "sessions.toml"),
    SESAME_CACHE_DIR: join(h, "cache"),
    SESAME_STATE_DIR: join(h, "state"),
    SESAME_KEYRING: "file",
    SESAME_FILE_KEYRING: join(h, "keyring.enc"),
    SESAME_FILE_PASSPHRASE: "correct horse battery staple",
  };
}

test("list sees the SSO sign-in of the env it is given, once per listing", async () => {
  const signedIn = await listRows({}, home(true));
  expect(signedIn.rows.map((r) => [r.name, r.state, r.detail])).toEqual([["dev", "ready", "signed in"]]);
  const notSignedIn = await listRows({}, home(false));
  expect(notSignedIn.rows.map((r) => [r.name, r.state])).toEqual([["dev", "needs-login"]]);
});
