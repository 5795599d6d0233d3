import { expect, test } from "bun:test";
import { catalogSecrets } from "../../../src/store/catalog-secrets.ts";
import type { SecretStore } from "../../../src/store/secret-store.ts";

function memory(): SecretStore & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    kind: "file",
    items,
    get: async (a) => items.get(a),
    set: async (a, v) => void items.set(a, v),
    delete: async (a) => items.delete(a),
  };
}

test("items are named per catalog; two catalogs keep their own", async () => {
  const m = memory();
  const a = catalogSecrets(m, "/work/a.toml");
  const b = catalogSecrets(m, "/home/b.toml");
  await a.set("sso-token:corp", "A");
  await b.set("sso-token:corp", "B");
  expect(await a.get("sso-token:corp")).toBe("A");
  expect(await b.get("sso-token:corp")).toBe("B");
  expect([...m.items.keys()].every((k) => /^sso-token:[0-9a-f]{16}:corp$/.test(k))).toBe(true);
});

test("a legacy SSO token is taken over once; another catalog is then simply not signed in", async () => {
  const m = memory();
  m.items.set("sso-token:corp", "legacy");
  const a = catalogSecrets(m, "/work/a.toml");
  const b = catalogSecrets(m, "/home/b.toml");
  expect(await a.get("sso-token:corp")).toBe("legacy");
  expect(await b.get("sso-token:corp")).toBeUndefined();
  expect(await a.get("sso-token:corp")).toBe("legacy");
  // deleting a's leaves nothing to take over again
  await a.delete("sso-token:corp");
  expect(await a.get("sso-token:corp")).toBeUndefined();
});

test("an iam-user key taken over by another catalog is refused with the catalog's path and the fix", async () => {
  const m = memory();
  m.items.set("iam-user:me", "{}");
  await catalogSecrets(m, "/work/a.toml").get("iam-user:me");
  await expect(catalogSecrets(m, "/home/b.toml").get("iam-user:me")).rejects.toThrow('the key stored for "me" before sesame kept keys per catalog was taken over by catalog /work/a.toml');
});

test("delete claims a legacy item, so it is not taken over again afterwards", async () => {
  const m = memory();
  m.items.set("iam-user:me", "{}");
  const a = catalogSecrets(m, "/work/a.toml");
  expect(await a.delete("iam-user:me")).toBe(true);
  expect(await a.get("iam-user:me")).toBeUndefined();
});
