// The store's fixes through the binary: locks with garbage in them, folders sesame did not create,
// an unusable cache folder, the access-key formats `secret set` reads, and list/doctor on a missing key.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { parseToml } from "../../src/catalog/parse.ts";
import { validateCatalog } from "../../src/catalog/validate.ts";
import { currentIdentity } from "../../src/store/generation.ts";
import { entryName } from "../../src/store/cache.ts";
import { parseProcessOutput, storeAliceKey, world, type World } from "./harness.ts";

let w: World;
beforeAll(async () => {
  w = await world();
  await storeAliceKey(w);
});
afterAll(() => w.stop());

async function lockPathFor(name: string): Promise<string> {
  const cat = validateCatalog(parseToml(w.catalog, readFileSync(w.catalog, "utf8")));
  mkdirSync(w.cacheDir, { recursive: true, mode: 0o700 });
  return join(w.cacheDir, (await entryName(await currentIdentity(cat, cat.sessions.get(name)!, w.env, w.stateDir))) + ".lock");
}

describe("locks (issue 9 item 10)", () => {
  for (const [what, content] of [["garbage", "not a lock at all"], ["a half-written line", "12x 99 host"]] as const) {
    test(`a lock with ${what} in it, older than the takeover age by its mtime, is taken over`, async () => {
      const lock = await lockPathFor("alice");
      writeFileSync(lock, content, { mode: 0o600 });
      const old = (Date.now() - 11 * 60_000) / 1000;
      utimesSync(lock, old, old);
      const r = await w.run(["credential-process", "alice", "--no-cache"], { env: { SESAME_LOCK_TIMEOUT: "3" } });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      parseProcessOutput(r.stdout);
      expect(existsSync(lock)).toBe(false);
    });
  }

  test("a young lock with garbage in it is waited for, then given up on (status 7)", async () => {
    const lock = await lockPathFor("alice");
    writeFileSync(lock, "garbage", { mode: 0o600 });
    try {
      const r = await w.run(["credential-process", "alice", "--no-cache"], { env: { SESAME_LOCK_TIMEOUT: "1" } });
      expect(r.code).toBe(7);
    } finally {
      rmSync(lock, { force: true });
    }
  });
});
