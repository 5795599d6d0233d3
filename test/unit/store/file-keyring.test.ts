import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { EXIT, KeyringError, SesameError } from "../../../src/errors.ts";
import { fileKeyring } from "../../../src/store/file-keyring.ts";

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sesame-file-keyring-"));
  // A folder that does not exist yet: the keyring creates it 0700.
  path = join(dir, "data", "sesame", "keyring.enc");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const pass = (value: string) => async () => value;

function counting(value: string): { ask: () => Promise<string>; calls: () => number } {
  let n = 0;
  return {
    ask: async () => {
      n++;
      return value;
    },
    calls: () => n,
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the promise to be rejected");
}

function expectDamaged(e: unknown): void {
  expect(e).toBeInstanceOf(KeyringError);
  const err = e as KeyringError;
  expect(err.exit).toBe(EXIT.keyring);
  expect(err.message).toBe(`cannot decrypt the file keyring ${path}: wrong passphrase or damaged file`);
  expect(err.toLine()).not.toContain("\n");
}

describe("file keyring", () => {
  test("set, get and delete round-trip, and survive a new instance", async () => {
    const store = fileKeyring(path, pass("correct horse"));
    expect(store.kind).toBe("file");
    await store.set("iam/alice", "AKIAEXAMPLE:secret/with+chars");
    await store.set("sso/corp", "refresh-token-é-✓");
    expect(await store.get("iam/alice")).toBe("AKIAEXAMPLE:secret/with+chars");
    expect(await store.get("sso/corp")).toBe("refresh-token-é-✓");
    expect(await store.get("nobody")).toBeUndefined();

    const again = fileKeyring(path, pass("correct horse"));
    expect(await again.get("iam/alice")).toBe("AKIAEXAMPLE:secret/with+chars");

    await again.set("iam/alice", "rotated");
    expect(await store.get("iam/alice")).toBe("rotated");

    expect(await again.delete("iam/alice")).toBe(true);
    expect(await again.delete("iam/alice")).toBe(false);
    expect(await store.get("iam/alice")).toBeUndefined();
    expect(await store.get("sso/corp")).toBe("refresh-token-é-✓");
  });

  test("account names that look like object keys are ordinary accounts", async () => {
    const store = fileKeyring(path, pass("pw"));
    await store.set("__proto__", "a");
    await store.set("constructor", "b");
    const again = fileKeyring(path, pass("pw"));
    expect(await again.get("__proto__")).toBe("a");
    expect(await again.get("constructor")).toBe("b");
    expect(await again.get("toString")).toBeUndefined();
  });

  test("with no file, get and delete neither ask for a passphrase nor create the file", async () => {
    const asked = counting("pw");
    const store = fileKeyring(path, asked.ask);
    expect(await store.get("x")).toBeUndefined();
    expect(await store.delete("x")).toBe(false);
    expect(asked.calls()).toBe(0);
    expect(existsSync(path)).toBe(false);
  });

  test("the passphrase is asked once per store", async () => {
    const asked = counting("pw");
    const store = fileKeyring(path, asked.ask);
    await store.set("a", "1");
    await store.set("b", "2");
    expect(await store.get("a")).toBe("1");
    expect(await store.delete("b")).toBe(true);
    expect(asked.calls()).toBe(1);
  });

  test("an empty passphrase is refused", async () => {
    const e = await rejection(fileKeyring(path, pass("")).set("a", "1"));
    expect(e).toBeInstanceOf(KeyringError);
    expect(existsSync(path)).toBe(false);
  });

  test("a wrong passphrase is refused with a KeyringError and the file is left alone", async () => {
    await fileKeyring(path, pass("right")).set("a", "1");
    const before = readFileSync(path, "utf8");
    const wrong = fileKeyring(path, pass("wrong"));
    expectDamaged(await rejection(wrong.get("a")));
    expectDamaged(await rejection(wrong.set("b", "2")));
    expectDamaged(await rejection(wrong.delete("a")));
    expect(readFileSync(path, "utf8")).toBe(before);
    expect(await fileKeyring(path, pass("right")).get("a")).toBe("1");
  });

  test("a flipped byte anywhere in the secret-bearing fields is refused", async () => {
    await fileKeyring(path, pass("pw")).set("account", "a value long enough to span several blocks of ciphertext");
    const original = readFileSync(path, "utf8");
    const env = JSON.parse(original) as Record<string, string | number>;

    // One bit flipped in the raw file, in the middle of each base64 field.
    for (const field of ["ct", "iv", "salt"]) {
      const value = String(env[field]);
      const at = original.indexOf(`"${field}":"`) + field.length + 4 + Math.floor(value.length / 2);
      const bytes = Buffer.from(original, "utf8");
      bytes[at] = bytes[at]! ^ 0x01;
      writeFileSync(path, bytes);
      expectDamaged(await rejection(fileKeyring(path, pass("pw")).get("account")));
    }

    // One bit flipped in the base64 padding ("=" becomes "<", which a lenient decoder skips).
    for (const field of ["ct", "salt"]) {
      const at = original.indexOf(`"${field}":"`) + field.length + 4 + String(env[field]).length - 1;
      expect(original[at]).toBe("=");
      const bytes = Buffer.from(original, "utf8");
      bytes[at] = bytes[at]! ^ 0x01;
      writeFileSync(path, bytes);
      expectDamaged(await rejection(fileKeyring(path, pass("pw")).get("account")));
    }

    // One bit flipped in the decoded ciphertext, in the tag, and in the IV, re-encoded as valid base64.
    const ct = Buffer.from(String(env.ct), "base64");
    for (const [field, index] of [["ct", 3], ["ct", ct.length - 1], ["iv", 0]] as const) {
      const bytes = Buffer.from(String(env[field]), "base64");
      bytes[index] = bytes[index]! ^ 0x80;
      writeFileSync(path, JSON.stringify({ ...env, [field]: bytes.toString("base64") }));
      expectDamaged(await rejection(fileKeyring(path, pass("pw")).get("account")));
    }

    // The KDF parameters are authenticated too.
    writeFileSync(path, JSON.stringify({ ...env, r: 9 }));
    expectDamaged(await rejection(fileKeyring(path, pass("pw")).get("account")));

    // Truncated or non-JSON content.
    writeFileSync(path, original.slice(0, original.length / 2));
    expectDamaged(await rejection(fileKeyring(path, pass("pw")).get("account")));

    // A damaged file is not overwritten by a set.
    writeFileSync(path, JSON.stringify({ ...env, r: 9 }));
    expectDamaged(await rejection(fileKeyring(path, pass("pw")).set("other", "x")));
    expect(readFileSync(path, "utf8")).toBe(JSON.stringify({ ...env, r: 9 }));

    writeFileSync(path, original);
    expect(await fileKeyring(path, pass("pw")).get("account")).toBe(
      "a value long enough to span several blocks of ciphertext",
    );
  });

  test("a file from a future format version is named as such", async () => {
    await fileKeyring(path, pass("pw")).set("a", "1");
    const env = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...env, v: 2 }));
    const e = await rejection(fileKeyring(path, pass("pw")).get("a"));
    expect(e).toBeInstanceOf(KeyringError);
    expect((e as Error).message).toContain("format version 2");
  });

  test("the file has the documented shape, a fresh IV per write and no plain-text secret", async () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const store = fileKeyring(path, pass("pw"));
    await store.set("iam/secret-account", secret);
    const first = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    expect(Object.keys(first).sort()).toEqual(["N", "ct", "iv", "kdf", "p", "r", "salt", "v"]);
    expect(first).toMatchObject({ v: 1, kdf: "scrypt", N: 32768, r: 8, p: 1 });
    expect(Buffer.from(String(first.iv), "base64").length).toBe(12);

    await store.set("iam/secret-account", secret);
    const second = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    expect(second.iv).not.toBe(first.iv);
    expect(second.ct).not.toBe(first.ct);

    // Neither the secret nor the account name appears in the folder, raw or base64-encoded.
    for (const name of readdirSync(join(dir, "data", "sesame"))) {
      const text = readFileSync(join(dir, "data", "sesame", name), "utf8");
      for (const needle of [secret, "iam/secret-account", Buffer.from(secret).toString("base64").slice(0, 20)]) {
        expect(text).not.toContain(needle);
      }
    }
  });

  test("the file is 0600 in a 0700 folder, and no lock file stays behind", async () => {
    await fileKeyring(path, pass("pw")).set("a", "1");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "data", "sesame")).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, "data", "sesame"))).toEqual(["keyring.enc"]);
  });

  test("concurrent sets from several async writers keep every entry", async () => {
    const a = fileKeyring(path, pass("pw"));
    const b = fileKeyring(path, pass("pw"));
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 12; i++) writes.push((i % 2 ? a : b).set(`account-${i}`, `value-${i}`));
    writes.push(b.delete("nothing-here").then(() => undefined));
    await Promise.all(writes);
    const reader = fileKeyring(path, pass("pw"));
    for (let i = 0; i < 12; i++) expect(await reader.get(`account-${i}`)).toBe(`value-${i}`);
  });

  test("concurrent sets from several processes keep every entry", async () => {
    const module = resolve(import.meta.dir, "../../../src/store/file-keyring.ts");
    const script = `
      const { fileKeyring } = await import(${JSON.stringify(module)});
      const [path, who] = process.argv.slice(-2);
      const store = fileKeyring(path, async () => "pw");
      for (let i = 0; i < 3; i++) await store.set(who + "-" + i, "value-" + who + "-" + i);
    `;
    const writers = ["p1", "p2", "p3", "p4"];
    const codes = await Promise.all(
      writers.map(
        (who) =>
          new Promise<number | null>((done) => {
            const child = spawn(process.execPath, ["-e", script, path, who], { stdio: ["ignore", "inherit", "inherit"] });
            child.on("exit", (code) => done(code));
          }),
      ),
    );
    expect(codes).toEqual([0, 0, 0, 0]);
    const reader = fileKeyring(path, pass("pw"));
    for (const who of writers) {
      for (let i = 0; i < 3; i++) expect(await reader.get(`${who}-${i}`)).toBe(`value-${who}-${i}`);
    }
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test("a lock left by a dead process is taken over", async () => {
    const store = fileKeyring(path, pass("pw"));
    await store.set("a", "1");
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    writeFileSync(`${path}.lock`, `${dead} ${Date.now()} ${hostname()}`);
    await store.set("b", "2");
    expect(await store.get("b")).toBe("2");
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test("a lock older than a minute is taken over even if its holder still runs", async () => {
    const store = fileKeyring(path, pass("pw"));
    await store.set("a", "1");
    writeFileSync(`${path}.lock`, `${process.pid} ${Date.now() - 5 * 60_000} ${hostname()}`);
    await store.set("b", "2");
    expect(await store.get("b")).toBe("2");
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test("errors carry one line for the user and no stack in that line", async () => {
    await fileKeyring(path, pass("right")).set("a", "1");
    const e = await rejection(fileKeyring(path, pass("wrong")).get("a"));
    expect(e).toBeInstanceOf(SesameError);
    expect((e as SesameError).toLine()).toMatch(/^sesame: cannot decrypt the file keyring .* — /);
    expect((e as SesameError).toLine()).not.toContain(" at ");
  });
});
