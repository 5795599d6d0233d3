// The hop identity of a roles-anywhere session: the certificate's fingerprint and every catalog key that
// changes the credentials, never the private key.
import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseToml } from "../../../src/catalog/parse.ts";
import { validateCatalog } from "../../../src/catalog/validate.ts";
import { hopIdentity } from "../../../src/credentials/identity.ts";

test("certificate fingerprint in, key out; a renewed certificate or another role is another identity", () => {
  const dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), "ra-id-"));
  const cert = join(dir, "c.pem");
  const key = join(dir, "k.pem");
  writeFileSync(cert, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  writeFileSync(key, "-----BEGIN PRIVATE KEY-----\nSECRETKEYMATERIAL\n-----END PRIVATE KEY-----\n");
  const text = (role: string) => `[session.ra]
type = "roles-anywhere"
certificate = "${cert}"
private_key = "${key}"
trust_anchor_arn = "arn:aws:rolesanywhere:eu-west-1:444444444444:trust-anchor/a1"
profile_arn = "arn:aws:rolesanywhere:eu-west-1:444444444444:profile/b2"
role_arn = "arn:aws:iam::444444444444:role/${role}"
`;
  const id = (role = "W", env: Record<string, string> = {}) => {
    const cat = validateCatalog(parseToml("/c.toml", text(role)));
    return hopIdentity(cat, cat.sessions.get("ra")!, env);
  };
  const first = id();
  expect(first).toContain("sha256:");
  expect(first).not.toContain("SECRETKEYMATERIAL");
  expect(id()).toBe(first);
  expect(id("Other")).not.toBe(first);
  expect(id("W", { AWS_ENDPOINT_URL_ROLESANYWHERE: "http://127.0.0.1:1" })).not.toBe(first);
  writeFileSync(key, "-----BEGIN PRIVATE KEY-----\nANOTHERKEY\n-----END PRIVATE KEY-----\n");
  expect(id()).toBe(first); // the key is not part of it (its certificate is)
  writeFileSync(cert, "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n");
  expect(id()).not.toBe(first);
});
