import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeEntry, encodeEntry, entryName, isFresh, readEntry, writeEntry } from "../../../src/store/cache.ts";
import { ensureCacheKey } from "../../../src/store/cache-key.ts";

const creds = { accessKeyId: "ASIAEXAMPLE000000001", secretAccessKey: "s3cr3t/value+abc", sessionToken: "TOKEN-abc", expiration: new Date("2030-01-01T00:00:00Z") };

function tmp() {
  const root = mkdtempSync(join(tmpdir(), "sesame-cache-"));
  return { cacheDir: join(root, "cache"), stateDir: join(root, "state") };
}

describe("cache entries", () => {
  test("round-trip", async () => {
    const loc = tmp();
    await writeEntry(loc, "id-1", creds);
    expect(await readEntry(loc, "id-1")).toEqual(creds);
  });

  test("another identity never decrypts an entry (identity is the associated data)", async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const blob = await encodeEntry(key, "id-1", creds);
    expect(await decodeEntry(key, "id-1", blob)).toEqual(creds);
    expect(await decodeEntry(key, "id-2", blob)).toBeUndefined();
    expect(await decodeEntry(crypto.getRandomValues(new Uint8Array(32)), "id-1", blob)).toBeUndefined();
  });

  test("every flipped byte and every truncation is a miss", async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const blob = await encodeEntry(key, "id", creds);
    for (let i = 0; i < blob.length; i++) {
      const bad = blob.slice();
      bad[i] = bad[i]! ^ 0x01;
      expect(await decodeEntry(key, "id", bad)).toBeUndefined();
    }
    for (const n of [0, 3, 16, blob.length - 1]) expect(await decodeEntry(key, "id", blob.slice(0, n))).toBeUndefined();
  });

  test("files are 0600 in 0700 folders and hold no plaintext", async () => {
    const loc = tmp();
    await writeEntry(loc, "id-1", creds);
    expect(statSync(loc.cacheDir).mode & 0o777).toBe(0o700);
    expect(statSync(loc.stateDir).mode & 0o777).toBe(0o700);
    // the entry, and the expiry index `list` reads (store/expiry-index.ts)
    const files = readdirSync(loc.cacheDir).sort();
    expect(files).toEqual([`${await entryName("id-1")}.cred`, "expiries.idx"]);
    expect(statSync(join(loc.stateDir, "cache.key")).mode & 0o777).toBe(0o600);
    for (const name of files) {
      const f = join(loc.cacheDir, name);
      expect(statSync(f).mode & 0o777).toBe(0o600);
      const text = readFileSync(f).toString("latin1");
      for (const secret of [creds.accessKeyId, creds.secretAccessKey, creds.sessionToken]) expect(text).not.toContain(secret);
    }
  });

  test("a garbage file is a miss, not an error", async () => {
    const loc = tmp();
    await writeEntry(loc, "id-1", creds);
    const f = join(loc.cacheDir, `${await entryName("id-1")}.cred`);
    writeFileSync(f, "not an entry");
    expect(await readEntry(loc, "id-1")).toBeUndefined();
  });

  test("long-lived keys (no expiration) are never written", async () => {
    const loc = tmp();
    await writeEntry(loc, "id-1", { accessKeyId: "AKIA", secretAccessKey: "x" });
    expect(await readEntry(loc, "id-1")).toBeUndefined();
  });

  test("parallel first runs agree on one key", async () => {
    const loc = tmp();
    const [a, b] = await Promise.all([ensureCacheKey(loc.stateDir), ensureCacheKey(loc.stateDir)]);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});

test("isFresh honours the margin", () => {
  const now = Date.parse("2030-01-01T00:00:00Z") - 20 * 60_000;
  expect(isFresh(creds, now, 15 * 60)).toBe(true);
  expect(isFresh(creds, now, 25 * 60)).toBe(false);
  expect(isFresh(undefined, now, 0)).toBe(false);
});
