// The expiry index (store/expiry-index.ts) and the reader `list` uses (store/cache.ts expiryReader): a line
// is used only while it vouches for the very file on disk under the current key; anything else falls back
// to decrypting the entry, and the reader repairs the index.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeEntry, entryName, expiryReader, writeEntry, clearEntries } from "../../../src/store/cache.ts";
import { ensureCacheKey } from "../../../src/store/cache-key.ts";
import { appendRecords, compact, formatRecord, INDEX_FILE, keyId, parseIndex, type IndexRecord } from "../../../src/store/expiry-index.ts";

const ROOT = new URL("../../..", import.meta.url).pathname;

function tmp() {
  const root = mkdtempSync(join(tmpdir(), "sesame-index-"));
  return { cacheDir: join(root, "cache"), stateDir: join(root, "state") };
}

const creds = (exp: string) => ({ accessKeyId: "ASIAEXAMPLE000000001", secretAccessKey: "s3cr3t", sessionToken: "TOKEN", expiration: new Date(exp) });
const indexText = (loc: { cacheDir: string }) => readFileSync(join(loc.cacheDir, INDEX_FILE), "utf8");

async function expiries(loc: ReturnType<typeof tmp>, ids: string[], count = ids.length) {
  const r = await expiryReader(loc, count);
  const out = await Promise.all(ids.map(async (id) => (await r.expiryOf(id))?.toISOString()));
  r.done();
  return out;
}

describe("the index format", () => {
  const rec = (name: string, expires: number): IndexRecord => ({ name, key: "0123456789abcdef", ino: 42, size: 700, mtimeMs: 1796542606078.2576, expires });
  test("round-trip; the last line of a name wins; torn and foreign lines are skipped", () => {
    const a = "a".repeat(64);
    const b = "b".repeat(64);
    const text = formatRecord(rec(a, 1)) + formatRecord(rec(b, 2)) + formatRecord(rec(a, 3)) + "garbage\n" + formatRecord(rec(b, 4)).slice(0, 50);
    const m = parseIndex(text);
    expect([...m.keys()]).toEqual([a, b]);
    expect(m.get(a)).toEqual(rec(a, 3));
    expect(m.get(b)).toEqual(rec(b, 2));
  });

  test("the key id depends on the key", () => {
    const k1 = new Uint8Array(32).fill(1);
    expect(keyId(k1)).toMatch(/^[0-9a-f]{16}$/);
    expect(keyId(k1)).toBe(keyId(new Uint8Array(32).fill(1)));
    expect(keyId(k1)).not.toBe(keyId(new Uint8Array(32).fill(2)));
  });
});

describe("expiryReader", () => {
  test("writeEntry records a line that vouches for the entry: no decryption needed", async () => {
    const loc = tmp();
    await writeEntry(loc, "id-1", creds("2030-01-01T00:00:00Z"));
    const lines = parseIndex(indexText(loc));
    const rec = lines.get(await entryName("id-1"))!;
    const st = statSync(join(loc.cacheDir, `${rec.name}.cred`));
    expect({ ino: rec.ino, size: rec.size, mtimeMs: rec.mtimeMs }).toEqual({ ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
    expect(rec.key).toBe(keyId(await ensureCacheKey(loc.stateDir)));
    expect(await expiries(loc, ["id-1", "id-2"])).toEqual(["2030-01-01T00:00:00.000Z", undefined]);
    expect(await expiries(loc, ["id-1", "id-2"], 500)).toEqual(["2030-01-01T00:00:00.000Z", undefined]); // the node:crypto way too
  });

  test("a line that lies about the expiry is used only while the file is the one it describes", async () => {
    const loc = tmp();
    await writeEntry(loc, "id-1", creds("2030-01-01T00:00:00Z"));
    const name = await entryName("id-1");
    const rec = parseIndex(indexText(loc)).get(name)!;
    // the index says 2031 for this very file: believed (it is a hint written by sesame, not checked by decrypting)
    appendRecords(fs, loc.cacheDir, [{ ...rec, expires: Date.parse("2031-01-01T00:00:00Z") }]);
    expect(await expiries(loc, ["id-1"])).toEqual(["2031-01-01T00:00:00.000Z"]);
    // the file replaced behind the index's back (an older sesame, a copy): decrypted, and the index repaired
    const key = await ensureCacheKey(loc.stateDir);
    const path = join(loc.cacheDir, `${name}.cred`);
    writeFileSync(`${path}.new`, await encodeEntry(key, "id-1", creds("2032-01-01T00:00:00Z")));
    renameSync(`${path}.new`, path);
    expect(await expiries(loc, ["id-1"])).toEqual(["2032-01-01T00:00:00.000Z"]);
    const repaired = parseIndex(indexText(loc)).get(name)!;
    expect(repaired.ino).toBe(statSync(path).ino);
    expect(repaired.expires).toBe(Date.parse("2032-01-01T00:00:00Z"));
    // a touched file (same inode, other mtime) is not vouched for either
    const later = new Date(Date.now() + 60_000);
    utimesSync(path, later, later);
    appendRecords(fs, loc.cacheDir, [{ ...repaired, expires: 1 }]);
    expect(await expiries(loc, ["id-1"])).toEqual(["2032-01-01T00:00:00.000Z"]);
  });

  test("a damaged entry (written as a new file) is decrypted, found bad: a miss, and no line is added", async () => {
    const loc = tmp();
    await writeEntry(loc, "id-1", creds("2030-01-01T00:00:00Z"));
    const path = join(loc.cacheDir, `${await entryName("id-1")}.cred`);
    const blob = readFileSync(path);
    blob[blob.length - 1] = blob[blob.length - 1]! ^ 1;
    writeFileSync(`${path}.x`, blob);
    renameSync(`${path}.x`, path); // a new inode
    expect(await expiries(loc, ["id-1"])).toEqual([undefined]);
    expect(parseIndex(indexText(loc)).get(await entryName("id-1"))!.ino).not.toBe(statSync(path).ino); // nothing repaired
  });

  test("a corrupt, foreign or missing index: every entry is decrypted, and the index is rebuilt", async () => {
    const loc = tmp();
    await writeEntry(loc, "id-1", creds("2030-01-01T00:00:00Z"));
    await writeEntry(loc, "id-2", creds("2030-02-01T00:00:00Z"));
    for (const damage of [() => writeFileSync(join(loc.cacheDir, INDEX_FILE), "\x00\xff garbage\n".repeat(100)), () => unlinkSync(join(loc.cacheDir, INDEX_FILE))]) {
      damage();
      expect(await expiries(loc, ["id-1", "id-2"])).toEqual(["2030-01-01T00:00:00.000Z", "2030-02-01T00:00:00.000Z"]);
      expect(parseIndex(indexText(loc)).size).toBe(2);
    }
    // an index that is a folder: entries still read
    rmSync(join(loc.cacheDir, INDEX_FILE), { force: true });
    fs.mkdirSync(join(loc.cacheDir, INDEX_FILE));
    expect(await expiries(loc, ["id-1", "id-2"])).toEqual(["2030-01-01T00:00:00.000Z", "2030-02-01T00:00:00.000Z"]);
  });

  test("lines written under another cache key are not used (the key file replaced)", async () => {
    const loc = tmp();
    await writeEntry(loc, "id-1", creds("2030-01-01T00:00:00Z"));
    unlinkSync(join(loc.stateDir, "cache.key"));
    await ensureCacheKey(loc.stateDir); // a new key: the old entry can no longer be decrypted
    expect(await expiries(loc, ["id-1"])).toEqual([undefined]);
  });

  test("cache clear removes the index with the entries", async () => {
    const loc = tmp();
    await writeEntry(loc, "id-1", creds("2030-01-01T00:00:00Z"));
    await clearEntries(loc);
    expect(() => indexText(loc)).toThrow();
    expect(await expiries(loc, ["id-1"])).toEqual([undefined]);
  });

  test("past the cap, a writer compacts: the last line of each live entry stays", async () => {
    const loc = tmp();
    for (let i = 0; i < 5; i++) await writeEntry(loc, "id-1", creds(`203${i}-01-01T00:00:00Z`));
    await writeEntry(loc, "id-2", creds("2030-02-01T00:00:00Z"));
    await writeEntry(loc, "gone", creds("2030-03-01T00:00:00Z"));
    unlinkSync(join(loc.cacheDir, `${await entryName("gone")}.cred`));
    expect(indexText(loc).trim().split("\n").length).toBe(7);
    compact(fs, loc.cacheDir);
    const lines = indexText(loc).trim().split("\n");
    expect(lines.length).toBe(2);
    expect((statSync(join(loc.cacheDir, INDEX_FILE)).mode & 0o777).toString(8)).toBe("600");
    expect(await expiries(loc, ["id-1", "id-2", "gone"])).toEqual(["2034-01-01T00:00:00.000Z", "2030-02-01T00:00:00.000Z", undefined]);
    // through appendRecords' cap
    const rec = parseIndex(indexText(loc)).get(await entryName("id-2"))!;
    for (let i = 0; i < 20; i++) appendRecords(fs, loc.cacheDir, [rec], 1000);
    expect(indexText(loc).length).toBeLessThan(1000);
    expect(await expiries(loc, ["id-1", "id-2"])).toEqual(["2034-01-01T00:00:00.000Z", "2030-02-01T00:00:00.000Z"]);
  });

  test("concurrent writers (processes) never interleave a line, and every entry stays readable", async () => {
    const loc = tmp();
    await ensureCacheKey(loc.stateDir);
    const script = join(loc.cacheDir, "..", "writer.ts");
    writeFileSync(script, `import { writeEntry } from ${JSON.stringify(join(ROOT, "src/store/cache.ts"))};
const [cacheDir, stateDir, who] = process.argv.slice(2);
for (let i = 0; i < 40; i++) await writeEntry({ cacheDir, stateDir }, "id-" + who + "-" + (i % 10), { accessKeyId: "A", secretAccessKey: "s", expiration: new Date(Date.UTC(2030, 0, 1, 0, i)) });
`);
    const procs = Array.from({ length: 8 }, (_, w) => Bun.spawn([process.execPath, script, loc.cacheDir, loc.stateDir, String(w)], { stdout: "ignore", stderr: "pipe" }));
    const codes = await Promise.all(procs.map((p) => p.exited));
    expect(codes.every((c) => c === 0)).toBe(true);
    const text = indexText(loc);
    const lines = text.trim().split("\n");
    expect(lines.length).toBe(8 * 40);
    expect(parseIndex(text).size).toBe(8 * 10);
    expect(lines.every((l) => parseIndex(l).size === 1)).toBe(true);
    const ids = Array.from({ length: 80 }, (_, k) => `id-${k % 8}-${Math.floor(k / 8)}`);
    // each writer's last write of id-W-J was its round 30 + J
    expect(await expiries(loc, ids)).toEqual(ids.map((_, k) => new Date(Date.UTC(2030, 0, 1, 0, 30 + Math.floor(k / 8))).toISOString()));
    // and nothing was decrypted: the reader repaired nothing
    expect(indexText(loc)).toBe(text);
  });
});
