// Values split over several items when a keyring item cannot hold them (src/store/chunked-store.ts),
// against an in-memory store that refuses values over its limit, as Windows Credential Manager does.
import { describe, expect, test } from "bun:test";
import { chunkedStore } from "../../../src/store/chunked-store.ts";
import type { SecretStore } from "../../../src/store/secret-store.ts";

function limitedStore(max: number): SecretStore & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    kind: "os",
    items,
    async get(a) {
      return items.get(a);
    },
    async set(a, v) {
      if (v.length > max) throw new Error(`value of ${v.length} characters over the limit of ${max}`);
      items.set(a, v);
    },
    async delete(a) {
      return items.delete(a);
    },
  };
}

describe("chunkedStore", () => {
  test("a value that fits is stored whole, exactly as without parts", async () => {
    const inner = limitedStore(128);
    const s = chunkedStore(inner, 128);
    await s.set("iam/alice", "x".repeat(128));
    expect([...inner.items]).toEqual([["iam/alice", "x".repeat(128)]]);
    expect(await s.get("iam/alice")).toBe("x".repeat(128));
  });

  test("items too small to hold the header are refused up front", () => {
    expect(() => chunkedStore(limitedStore(50), 50)).toThrow(/too small/);
  });

  test("a longer value becomes parts plus a header; it reads back whole; unicode survives", async () => {
    const inner = limitedStore(128);
    const s = chunkedStore(inner, 128);
    const v = "a" + "é✓🙂".repeat(200) + "end"; // "a" puts a surrogate pair across the first boundary
    await s.set("sso/corp", v);
    expect(inner.items.get("sso/corp")).toMatch(/^sesame-parts\/1 [0-9a-f]{12} \d+ [0-9a-f]{64}$/);
    const parts = [...inner.items].filter(([k]) => k !== "sso/corp").map(([, x]) => x);
    expect(parts.length).toBeGreaterThanOrEqual(7);
    expect(parts.every((x) => x.length <= 128)).toBe(true);
    // no part starts or ends inside a surrogate pair, so each survives UTF-8 on its own
    for (const p of parts) expect(Buffer.from(p, "utf8").toString("utf8")).toBe(p);
    expect(await s.get("sso/corp")).toBe(v);
  });

  test("values stored before, whole, are still read; a value that looks like a header is stored as parts", async () => {
    const inner = limitedStore(5000);
    inner.items.set("sso/old", '{"accessToken":"whole"}');
    const s = chunkedStore(inner, 5000);
    expect(await s.get("sso/old")).toBe('{"accessToken":"whole"}');
    const tricky = "sesame-parts/1 abc 2 deadbeef";
    await s.set("x", tricky);
    expect(inner.items.get("x")).not.toBe(tricky);
    expect(await s.get("x")).toBe(tricky);
  });

  test("replacing and deleting leave no part behind", async () => {
    const inner = limitedStore(128);
    const s = chunkedStore(inner, 128);
    await s.set("a", "1".repeat(1000));
    await s.set("a", "2".repeat(300));
    expect(inner.items.size).toBe(1 + 3);
    await s.set("a", "short");
    expect([...inner.items]).toEqual([["a", "short"]]);
    await s.set("a", "3".repeat(250));
    expect(await s.delete("a")).toBe(true);
    expect(inner.items.size).toBe(0);
    expect(await s.delete("a")).toBe(false);
  });

  test("parts that do not belong together (a missing or altered part) never read as a value", async () => {
    const inner = limitedStore(128);
    const s = chunkedStore(inner, 128);
    await s.set("a", "abcdefghij".repeat(30));
    const part = [...inner.items.keys()].find((k) => k.endsWith(".1"))!;
    inner.items.set(part, "X".repeat(128));
    expect(await s.get("a")).toBeUndefined();
    inner.items.delete(part);
    expect(await s.get("a")).toBeUndefined();
  });

  test("a reader whose parts are replaced under it reads the new header again", async () => {
    const inner = limitedStore(128);
    const s = chunkedStore(inner, 128);
    await s.set("a", "o".repeat(300));
    let swapped = false;
    const racing: SecretStore = {
      ...inner,
      async get(a) {
        // the first time a part is read, another writer replaces the whole value
        if (a.includes("#p.") && !swapped) {
          swapped = true;
          await s.set("a", "n".repeat(300));
        }
        return inner.get(a);
      },
    };
    expect(await chunkedStore(racing, 128).get("a")).toBe("n".repeat(300));
  });
});
