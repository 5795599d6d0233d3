// Against the real OS keyring. On Linux run under scripts/with-keyring.sh, which provides a
// private D-Bus session with an unlocked gnome-keyring (npm test does this).
import { afterAll, describe, expect, test } from "bun:test";
import { KeyringError } from "../../src/errors.ts";
import { openKeyringBackend } from "../../src/store/open-secret-store.ts";
import { osKeyring } from "../../src/store/os-keyring.ts";

const service = process.env.SESAME_KEYRING_SERVICE ?? "";
const onLinux = process.platform === "linux";
const noBus = onLinux && !process.env.DBUS_SESSION_BUS_ADDRESS;

test("the tests use the per-run service name from test/preload.ts", () => {
  expect(service).toMatch(/^sesame-test-\d+-[a-z0-9]+$/);
});

// A developer running `bun test` outside scripts/with-keyring.sh has no Secret Service: the keyring tests are
// skipped, and the skipped group's name says why. On CI they run, so a missing bus fails below instead.
const noSecretService = noBus && !process.env.CI;
const title = noSecretService ? "OS keyring (skipped: needs a Secret Service, run under scripts/with-keyring.sh as npm test does)" : "OS keyring";

describe.skipIf(noSecretService)(title, () => {
  test("a Secret Service is reachable (DBUS_SESSION_BUS_ADDRESS is set)", () => {
    // Fails, not skips, on CI: a missing bus would otherwise hide every keyring test.
    if (onLinux) expect(process.env.DBUS_SESSION_BUS_ADDRESS ?? "").not.toBe("");
  });

  const store = osKeyring(service);
  const accounts = ["iam/alice", "sso/corp", "long", "sso/parts", "sso/race"];

  afterAll(async () => {
    for (const a of accounts) {
      try {
        await store.delete(a);
      } catch {
        /* the failing test says why */
      }
    }
  });

  test("set, get and delete round-trip", async () => {
    expect(store.kind).toBe("os");
    await store.set("iam/alice", '{"AccessKeyId":"AKIAEXAMPLE","SecretAccessKey":"wJalr/é✓"}');
    await store.set("sso/corp", "refresh-token");
    expect(await store.get("iam/alice")).toBe('{"AccessKeyId":"AKIAEXAMPLE","SecretAccessKey":"wJalr/é✓"}');
    expect(await store.get("sso/corp")).toBe("refresh-token");

    await store.set("iam/alice", "rotated");
    expect(await store.get("iam/alice")).toBe("rotated");

    expect(await store.delete("iam/alice")).toBe(true);
    expect(await store.get("iam/alice")).toBeUndefined();
    expect(await store.get("sso/corp")).toBe("refresh-token");
    expect(await store.delete("sso/corp")).toBe(true);
  });

  test("get of a missing account returns undefined", async () => {
    expect(await store.get("never-stored")).toBeUndefined();
  });

  test("delete of a missing account returns false", async () => {
    expect(await store.delete("never-stored")).toBe(false);
  });

  test("services are separate namespaces", async () => {
    await store.set("sso/corp", "mine");
    expect(await osKeyring(`${service}-other`).get("sso/corp")).toBeUndefined();
    expect(await store.delete("sso/corp")).toBe(true);
  });

  test("values longer than Windows Credential Manager's limit round-trip (split into parts on Windows)", async () => {
    const long = "x".repeat(4000) + "é✓";
    await store.set("long", long);
    expect(await store.get("long")).toBe(long);
    expect(await store.delete("long")).toBe(true);
    expect(await store.get("long")).toBeUndefined();
  });

  test("with a small item limit, long values are split into parts in the real keyring, and every part goes with them", async () => {
    const small = osKeyring(service, process.env, { maxValueChars: 128 });
    const raw = osKeyring(service, process.env, {});
    const token = JSON.stringify({ accessToken: "aoa".repeat(300), refreshToken: "aor".repeat(200), expiresAt: 1 });
    await small.set("sso/parts", token);
    expect(await small.get("sso/parts")).toBe(token);
    const header = (await raw.get("sso/parts"))!;
    expect(header).toMatch(/^sesame-parts\/1 [0-9a-f]{12} 13 [0-9a-f]{64}$/);
    const gen = header.split(" ")[1]!;
    expect(await raw.get(`sso/parts#p.${gen}.0`)).toBe(token.slice(0, 128));
    expect(await raw.get(`sso/parts#p.${gen}.12`)).toBe(token.slice(1536));
    // replaced by a short value: stored whole, the old parts removed
    await small.set("sso/parts", "short");
    expect(await raw.get("sso/parts")).toBe("short");
    expect(await raw.get(`sso/parts#p.${gen}.0`)).toBeUndefined();
    // long again, then deleted: nothing left
    await small.set("sso/parts", token);
    const gen2 = (await raw.get("sso/parts"))!.split(" ")[1]!;
    expect(await small.delete("sso/parts")).toBe(true);
    for (let i = 0; i < 13; i++) expect(await raw.get(`sso/parts#p.${gen2}.${i}`)).toBeUndefined();
    expect(await small.get("sso/parts")).toBeUndefined();
  });

  test("with parts, readers running beside writers only ever see a whole value", async () => {
    const small = osKeyring(service, process.env, { maxValueChars: 128 });
    const values = ["a", "b", "c"].map((c) => c.repeat(300));
    await small.set("sso/race", values[0]!);
    const seen = new Set<string | undefined>();
    const writers = (async () => {
      for (let i = 1; i <= 6; i++) await small.set("sso/race", values[i % 3]!);
    })();
    const readers = Promise.all(Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 6; i++) seen.add(await small.get("sso/race"));
    }));
    await Promise.all([writers, readers]);
    for (const v of seen) expect(values).toContain(v!);
    await small.delete("sso/race");
  }, 60_000);

  test("openKeyringBackend picks the OS keyring with the service from SESAME_KEYRING_SERVICE", async () => {
    const opened = openKeyringBackend({ ...process.env, SESAME_KEYRING: "os" });
    expect(opened.kind).toBe("os");
    await opened.set("sso/corp", "via-open");
    expect(await store.get("sso/corp")).toBe("via-open");
    expect(await store.delete("sso/corp")).toBe(true);
  });
});

describe("OS keyring without a session bus", () => {
  test.if(onLinux)("reports a KeyringError with a fix, not a crash", async () => {
    // A child process without DBUS_SESSION_BUS_ADDRESS: the addon cannot reach a Secret Service.
    const { spawnSync } = await import("node:child_process");
    const { resolve } = await import("node:path");
    const module = resolve(import.meta.dir, "../../src/store/os-keyring.ts");
    const script = `
      const { osKeyring } = await import(${JSON.stringify(module)});
      try { await osKeyring(process.env.SESAME_KEYRING_SERVICE).get("x"); console.log("no error"); }
      catch (e) { console.log(JSON.stringify({ name: e.constructor.name, exit: e.exit, line: e.toLine() })); }
    `;
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    delete env.XDG_RUNTIME_DIR; // libdbus would otherwise find the user's bus at $XDG_RUNTIME_DIR/bus
    const run = spawnSync(process.execPath, ["-e", script], { env, encoding: "utf8" });
    const out = JSON.parse(run.stdout.trim()) as { name: string; exit: number; line: string };
    expect(out.name).toBe("KeyringError");
    expect(out.exit).toBe(6);
    expect(out.line).toContain("DBUS_SESSION_BUS_ADDRESS is not set");
    expect(out.line).toContain("start a Secret Service (gnome-keyring) or set SESAME_KEYRING=file");
    expect(out.line).not.toContain("\n");
  });
});
