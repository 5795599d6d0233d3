// Hardening 3 — tampering and corruption, through dist/sesame: every byte of a cache entry flipped in turn,
// every truncation, a zero-length file, foreign files in the cache folder. None is ever served: the hop is
// fetched anew (one upstream call) and the credentials printed are the new, right ones.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { encodeEntry } from "../../src/store/cache.ts";
import { parseToml } from "../../src/catalog/parse.ts";
import { validateCatalog } from "../../src/catalog/validate.ts";
import { currentIdentity } from "../../src/credentials/identity.ts";
import { DEV_ROLE, PROD_ROLE, storeAliceKey, world, type World } from "../e2e/harness.ts";
import { budget, clearCreds, entryBase, figure, isOneLine, judge, listDir, parseOut, start, STRESS } from "./support.ts";

let w: World;
beforeAll(async () => {
  w = await world();
  await storeAliceKey(w);
});
afterAll(() => w.stop());

const HOPS: Record<string, { action: string; principal: () => string }> = {
  alice: { action: "GetSessionToken", principal: () => w.alice.arn },
  dev: { action: "AssumeRole", principal: () => DEV_ROLE },
  prod: { action: "AssumeRole", principal: () => PROD_ROLE },
};

/** A fresh entry for `name` (and its sources), and the credentials it holds. */
async function freshEntry(name: string): Promise<{ path: string; blob: Buffer; key: string }> {
  clearCreds(w);
  const r = await w.run(["credential-process", name]);
  expect(r.code).toBe(0);
  const path = `${await entryBase(w, name)}.cred`;
  return { path, blob: readFileSync(path), key: parseOut(r.stdout)!.AccessKeyId };
}

/** The damaged entry is not served: the hop alone is fetched again and the right new credentials printed. */
async function expectRefetched(name: string, servedBefore: string): Promise<boolean> {
  w.emu.resetCalls();
  const r = await w.run(["credential-process", name]);
  const out = parseOut(r.stdout);
  const v = judge(w.emu, out);
  const ok =
    r.code === 0 && r.stderr === "" && v.ok && v.principal === HOPS[name]!.principal() && out!.AccessKeyId !== servedBefore &&
    w.emu.calls.length === 1 && w.emu.calls[0]!.action === HOPS[name]!.action;
  if (!ok) {
    // say exactly what went wrong
    expect({ code: r.code, stderr: r.stderr, why: v.why, principal: v.principal, calls: w.emu.calls.map((c) => c.action) }).toEqual({
      code: 0, stderr: "", why: undefined, principal: HOPS[name]!.principal(), calls: [HOPS[name]!.action],
    });
    expect(out!.AccessKeyId).not.toBe(servedBefore);
  }
  return ok;
}

/** Byte positions to flip: all of them in a stress run; else the header, the tag and a stride through the rest. */
function positions(n: number): number[] {
  if (STRESS) return Array.from({ length: n }, (_, i) => i);
  const s = new Set<number>();
  for (let i = 0; i < 16; i++) s.add(i); // magic + IV
  for (let i = n - 16; i < n; i++) s.add(i); // GCM tag
  for (let i = 16; i < n - 16; i += 29) s.add(i); // ciphertext
  return [...s].sort((a, b) => a - b);
}

describe("every byte of an entry flipped in turn", () => {
  for (const name of STRESS ? ["alice", "prod"] : ["alice"]) {
    test(`${name}: no flipped entry is ever served`, async () => {
      const e = await freshEntry(name);
      const at = positions(e.blob.length);
      let failures = 0;
      for (const i of at) {
        for (const mask of STRESS ? [0x01, 0x80] : [0x01]) {
          const bad = Buffer.from(e.blob);
          bad[i] = bad[i]! ^ mask;
          writeFileSync(e.path, bad);
          if (!(await expectRefetched(name, e.key))) failures++;
        }
      }
      writeFileSync(e.path, e.blob);
      figure({ area: "tamper", what: `${name}: every byte flipped${STRESS ? " (masks 0x01, 0x80)" : " (header, tag, stride)"}`, trials: at.length * (STRESS ? 2 : 1), failures, cases: e.blob.length, note: "cases = entry size in bytes" });
      expect(failures).toBe(0);
    }, budget(60_000));
  }
});

describe("truncated, empty and replaced entries", () => {
  test("every truncation (a sample in CI), and a zero-length file, is fetched anew", async () => {
    const e = await freshEntry("alice");
    const lengths = STRESS ? Array.from({ length: e.blob.length }, (_, i) => i) : [0, 1, 3, 4, 15, 16, 31, 32, e.blob.length >> 1, e.blob.length - 17, e.blob.length - 16, e.blob.length - 1];
    let failures = 0;
    for (const n of lengths) {
      writeFileSync(e.path, e.blob.subarray(0, n));
      if (!(await expectRefetched("alice", e.key))) failures++;
    }
    // longer is as bad as shorter: bytes appended after the tag
    writeFileSync(e.path, Buffer.concat([e.blob, Buffer.from("x")]));
    if (!(await expectRefetched("alice", e.key))) failures++;
    figure({ area: "tamper", what: "alice: truncations, zero length, one byte appended", trials: lengths.length + 1, failures, cases: e.blob.length });
    expect(failures).toBe(0);
  }, budget(60_000));

  test("random bytes of the same length, and a plain-text JSON entry with the right fields, are not served", async () => {
    const e = await freshEntry("alice");
    writeFileSync(e.path, crypto.getRandomValues(new Uint8Array(e.blob.length)));
    expect(await expectRefetched("alice", e.key)).toBe(true);
    const e2 = await freshEntry("alice");
    writeFileSync(e2.path, JSON.stringify({ k: "ASIAFORGEDFORGED0000", s: "forged", t: "forged", e: "2099-01-01T00:00:00Z" }));
    expect(await expectRefetched("alice", e2.key)).toBe(true);
  });
});

describe("foreign files in the cache folder", () => {
  test("another hop's valid entry copied (or symlinked) over this hop's name is not served", async () => {
    await freshEntry("prod");
    const devPath = `${await entryBase(w, "dev")}.cred`;
    const prodPath = `${await entryBase(w, "prod")}.cred`;
    const prodKey = parseOut((await w.run(["credential-process", "prod"])).stdout)!.AccessKeyId;
    const devKey = parseOut((await w.run(["credential-process", "dev"])).stdout)!.AccessKeyId;
    copyFileSync(devPath, prodPath); // dev's credentials offered as prod's
    expect(await expectRefetched("prod", devKey)).toBe(true);
    rmSync(prodPath);
    symlinkSync(devPath, prodPath);
    expect(await expectRefetched("prod", devKey)).toBe(true);
    expect(prodKey).not.toBe(devKey);
  });

  test("an entry made for the same hop with another cache key (another machine's, a restored backup) is not served", async () => {
    const e = await freshEntry("alice");
    const cat = validateCatalog(parseToml(w.catalog, readFileSync(w.catalog, "utf8")));
    const otherKey = crypto.getRandomValues(new Uint8Array(32));
    const forged = await encodeEntry(otherKey, await currentIdentity(cat, cat.sessions.get("alice")!, w.env, w.stateDir), { accessKeyId: "ASIAFORGEDFORGED0000", secretAccessKey: "forged-secret", sessionToken: "forged-token", expiration: new Date(Date.now() + 86400_000) });
    writeFileSync(e.path, forged);
    expect(await expectRefetched("alice", "ASIAFORGEDFORGED0000")).toBe(true);
  });

  test("junk files with entry-like names, lock-like names and dot-names do not disturb anything", async () => {
    const e = await freshEntry("alice");
    mkdirSync(w.cacheDir, { recursive: true });
    const junk = [
      ["0".repeat(64) + ".cred", "garbage"],
      ["f".repeat(64) + ".cred", ""],
      ["not-an-entry.cred", "SSM\x01" + "x".repeat(40)],
      ["README", "hello"],
      [".hidden.tmp", "half"],
    ] as const;
    for (const [n, text] of junk) writeFileSync(join(w.cacheDir, n), text, { mode: 0o600 });
    mkdirSync(join(w.cacheDir, "a-folder.cred"), { recursive: true });
    // a hit stays a hit
    w.emu.resetCalls();
    const hit = await w.run(["credential-process", "alice"]);
    expect(hit.code).toBe(0);
    expect(parseOut(hit.stdout)!.AccessKeyId).toBe(e.key);
    expect(w.emu.calls).toHaveLength(0);
    // list and cache clear cope with them
    const list = await w.run(["list"]);
    expect(list.code).toBe(0);
    const clear = await w.run(["cache", "clear"]);
    expect(clear.code).toBe(0);
    expect(isOneLine(clear.stderr)).toBe(true);
    for (const n of listDir(w.cacheDir)) rmSync(join(w.cacheDir, n), { recursive: true, force: true });
  });

  // Was defect CACHE-NOT-FILE (fixed in a9aaca2): a directory at an entry's name made every call exit 70
  // (the rename onto it failed with EISDIR).
  test("a directory at an entry's name: fresh credentials are still printed", async () => {
    const e = await freshEntry("alice");
    rmSync(e.path);
    mkdirSync(e.path);
    writeFileSync(join(e.path, "x"), "x");
    try {
      const r = await w.run(["credential-process", "alice"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(judge(w.emu, parseOut(r.stdout)).ok).toBe(true);
    } finally {
      rmSync(e.path, { recursive: true, force: true });
    }
  });

  // Was defect CACHE-NOT-FILE (fixed in a9aaca2): a FIFO at an entry's name blocked credential-process forever.
  test("a FIFO at an entry's name does not hang credential-process", async () => {
    const e = await freshEntry("alice");
    rmSync(e.path);
    execFileSync("mkfifo", [e.path]);
    const p = start(["credential-process", "alice"], w.env);
    const outcome = await Promise.race([p.done, new Promise<"hung">((r) => setTimeout(() => r("hung"), 5000))]);
    p.kill("SIGKILL");
    rmSync(e.path, { force: true });
    expect(outcome).not.toBe("hung");
  }, 15_000);
});

describe("the cache key", () => {
  test("a cache key replaced by another valid key: old entries are misses and are fetched anew", async () => {
    const e = await freshEntry("alice");
    writeFileSync(join(w.stateDir, "cache.key"), Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64") + "\n");
    expect(await expectRefetched("alice", e.key)).toBe(true);
  });

  // Was defect KEY-DAMAGED (fixed in a9aaca2): a cache.key that is not 32 base64 bytes was never replaced, and
  // every cache miss exited 70 "internal error".
  test("a damaged cache key is replaced (entries under it are misses), not a permanent internal error", async () => {
    const e = await freshEntry("alice");
    const keyFile = join(w.stateDir, "cache.key");
    const good = readFileSync(keyFile);
    for (const damaged of ["", "dG9vIHNob3J0\n", good.subarray(0, 20).toString()]) {
      writeFileSync(keyFile, damaged);
      const r = await w.run(["credential-process", "alice"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(parseOut(r.stdout)!.AccessKeyId).not.toBe(e.key);
    }
  });
});


