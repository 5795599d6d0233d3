// Keyring items belong to the catalog they were stored for (store/catalog-secrets.ts): two catalogs in two
// paths sharing one keyring, each with a session "alice", keep and use their own key; items stored before
// (named by the session alone) are taken over by the first catalog that needs them, and refused by others.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ACCT, world, type World } from "./harness.ts";
import { openKeyringBackend } from "../../src/store/open-secret-store.ts";
import type { CreatedUser } from "../emulator/index.ts";

const ONE_USER = `[session.alice]\ntype = "iam-user"\n`;

for (const kind of ["os", "file"] as const) {
  describe(`two catalogs sharing one ${kind} keyring`, () => {
    let w: World;
    let other: string;
    let bob: CreatedUser;
    let env: Record<string, string>;
    beforeAll(async () => {
      w = await world(ONE_USER);
      bob = w.emu.addUser({ userName: "bob", account: ACCT });
      other = join(w.home, "personal", "sessions.toml");
      mkdirSync(join(w.home, "personal"), { recursive: true });
      writeFileSync(other, ONE_USER);
      env = kind === "file"
        ? { SESAME_KEYRING: "file", SESAME_FILE_PASSPHRASE: "scope-test", SESAME_FILE_KEYRING: join(w.home, "shared.keyring") }
        : { SESAME_KEYRING: "os" };
      if (kind === "os" && !w.env.DBUS_SESSION_BUS_ADDRESS) return;
    });
    afterAll(() => w.stop());
    const skip = () => kind === "os" && !w.env.DBUS_SESSION_BUS_ADDRESS;
    const whoami = async (config?: string) => {
      const r = await w.run([...(config ? ["--config", config] : []), "whoami", "alice", "--json"], { env });
      return r.code === 0 ? (JSON.parse(r.stdout) as { Arn: string }).Arn : `exit ${r.code}: ${r.stderr}`;
    };
    const legacy = () => openKeyringBackend({ ...w.env, ...env });

    test("each catalog keeps and uses its own key for a session of the same name", async () => {
      if (skip()) return;
      expect((await w.run(["secret", "set", "alice"], { stdin: `${w.alice.accessKeyId}\n${w.alice.secretAccessKey}\n`, env })).code).toBe(0);
      expect((await w.run(["--config", other, "secret", "set", "alice"], { stdin: `${bob.accessKeyId}\n${bob.secretAccessKey}\n`, env })).code).toBe(0);
      expect(await whoami()).toBe(w.alice.arn);
      expect(await whoami(other)).toBe(bob.arn);
      // and again from the cache: never the other catalog's credentials
      expect(await whoami(other)).toBe(bob.arn);
      expect(await whoami()).toBe(w.alice.arn);
      // deleting one catalog's key leaves the other's
      expect((await w.run(["--config", other, "secret", "delete", "alice"], { env })).code).toBe(0);
      expect(await whoami()).toBe(w.alice.arn);
      expect(await whoami(other)).toContain(`no access key is stored for "alice"`);
      expect((await w.run(["secret", "delete", "alice"], { env })).code).toBe(0);
    });

    test("a legacy item is taken over by the first catalog that needs it; the other refuses with a clear line", async () => {
      if (skip()) return;
      const store = legacy();
      await store.set("iam-user:alice", JSON.stringify({ AccessKeyId: w.alice.accessKeyId, SecretAccessKey: w.alice.secretAccessKey }));
      expect(await whoami()).toBe(w.alice.arn); // migrated without asking for the key again
      const marker = await store.get("iam-user:alice");
      expect(marker).not.toContain(w.alice.secretAccessKey);
      expect(marker).toContain(w.catalog);
      const refused = await w.run(["--config", other, "whoami", "alice"], { env });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toBe(`sesame: session "alice": the key stored for "alice" before sesame kept keys per catalog was taken over by catalog ${w.catalog} — store this catalog's key with: sesame secret set alice\n`);
      const listed = JSON.parse((await w.run(["--config", other, "list", "--json"], { env })).stdout) as { name: string; state: string }[];
      expect(listed.find((r) => r.name === "alice")!.state).toBe("no-secret");
      // the first catalog still has it, from its own item now
      await w.run(["cache", "clear"], { env });
      expect(await whoami()).toBe(w.alice.arn);
      // the other catalog stores its own and uses it
      expect((await w.run(["--config", other, "secret", "set", "alice"], { stdin: `${bob.accessKeyId}\n${bob.secretAccessKey}\n`, env })).code).toBe(0);
      expect(await whoami(other)).toBe(bob.arn);
    });

    test("secret set supersedes a legacy item: no stale long-lived key stays under the old name", async () => {
      if (skip()) return;
      const store = legacy();
      await store.set("iam-user:alice", JSON.stringify({ AccessKeyId: "AKIAOLDOLDOLDOLDOLD1", SecretAccessKey: "old-secret-old-secret-old" }));
      expect((await w.run(["secret", "set", "alice"], { stdin: `${w.alice.accessKeyId}\n${w.alice.secretAccessKey}\n`, env })).code).toBe(0);
      expect(await store.get("iam-user:alice")).not.toContain("old-secret");
      expect(await whoami()).toBe(w.alice.arn);
    });
  });
}

describe("two catalogs with an sso-session of the same name", () => {
  test("a sign-in belongs to the catalog that made it: the other is not signed in, and is not served its credentials", async () => {
    const { deviceLogin, ssoCatalog, ssoWorld } = await import("./sso-harness.ts");
    const s = await ssoWorld(ssoCatalog());
    try {
      const other = join(s.home, "personal.toml");
      writeFileSync(other, ssoCatalog());
      expect((await deviceLogin(s, ["--device-code"])).code).toBe(0);
      expect((await s.run(["credential-process", "admin"])).code).toBe(0);
      const r = await s.run(["credential-process", "admin", "--config", other]);
      expect(r.code).toBe(4);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("sesame login corp");
      const rows = JSON.parse((await s.run(["--config", other, "list", "--json"])).stdout) as { name: string; state: string }[];
      expect(rows.find((x) => x.name === "admin")!.state).toBe("needs-login");
    } finally {
      await s.stop();
    }
  });
});
