// The store's fixes through the binary: locks with garbage in them, folders sesame did not create,
// an unusable cache folder, the access-key formats `secret set` reads, and list/doctor on a missing key.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmSync, statSync, utimesSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { parseProcessOutput, lockPathFor, storeAliceKey, world, type World } from "./harness.ts";

let w: World;
beforeAll(async () => {
  w = await world();
  await storeAliceKey(w);
});
afterAll(() => w.stop());

describe("locks (issue 9 item 10)", () => {
  for (const [what, content] of [["garbage", "not a lock at all"], ["a half-written line", "12x 99 host"]] as const) {
    test(`a lock with ${what} in it, older than the takeover age by its mtime, is taken over`, async () => {
      const lock = await lockPathFor(w, "alice");
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
    const lock = await lockPathFor(w, "alice");
    writeFileSync(lock, "garbage", { mode: 0o600 });
    try {
      const r = await w.run(["credential-process", "alice", "--no-cache"], { env: { SESAME_LOCK_TIMEOUT: "1" } });
      expect(r.code).toBe(7);
    } finally {
      rmSync(lock, { force: true });
    }
  });
});

describe("folders sesame did not create keep their mode (issue 9 item 9)", () => {
  const mode = (p: string) => statSync(p).mode & 0o7777;

  test("profiles sync into a team folder (setgid, group-writable) and import into a --config catalog's folder", async () => {
    const team = join(w.home, "team");
    mkdirSync(team);
    chmodSync(team, 0o2770);
    const r = await w.run(["profiles", "sync"], { env: { AWS_CONFIG_FILE: join(team, "config") } });
    expect(r.code).toBe(0);
    expect(existsSync(join(team, "config"))).toBe(true);
    expect(mode(team)).toBe(0o2770);

    const shared = join(w.home, "shared-catalogs");
    mkdirSync(shared);
    chmodSync(shared, 0o755);
    const creds = join(w.home, "creds");
    writeFileSync(creds, `[carol]\naws_access_key_id = ${w.alice.accessKeyId}\naws_secret_access_key = ${w.alice.secretAccessKey}\n`);
    const imp = await w.run(["--config", join(shared, "sessions.toml"), "import", "--yes"], { env: { AWS_SHARED_CREDENTIALS_FILE: creds, AWS_CONFIG_FILE: join(team, "config") } });
    expect(imp.stderr).not.toContain("internal error");
    expect(mode(shared)).toBe(0o755);
    expect(mode(team)).toBe(0o2770);
  });

  test("a folder sesame creates is 0700, and doctor warns when the file keyring's folder is open to others", async () => {
    const deep = join(w.home, "new", "place");
    const r = await w.run(["profiles", "sync"], { env: { AWS_CONFIG_FILE: join(deep, "config") } });
    expect(r.code).toBe(0);
    expect(mode(deep)).toBe(0o700);
    expect(mode(join(w.home, "new"))).toBe(0o700);

    const kdir = join(w.home, "open-keyring");
    mkdirSync(kdir);
    chmodSync(kdir, 0o755);
    const env = { SESAME_KEYRING: "file", SESAME_FILE_PASSPHRASE: "p", SESAME_FILE_KEYRING: join(kdir, "k.enc") };
    expect((await w.run(["secret", "set", "alice"], { env, stdin: `${w.alice.accessKeyId}\n${w.alice.secretAccessKey}\n` })).code).toBe(0);
    expect(mode(kdir)).toBe(0o755);
    const doc = await w.run(["doctor", "--json"], { env });
    const cache = (JSON.parse(doc.stdout) as { findings: { check: string; status: string; message: string; fix?: string }[] }).findings.find((f) => f.check === "cache")!;
    expect(cache.status).toBe("warn");
    expect(cache.message).toContain(`the file keyring's folder ${kdir} is open to others (mode 755)`);
    expect(cache.fix).toContain(`chmod 700 ${kdir}`);
  });
});

describe("an unusable cache folder (issue 16 item 5)", () => {
  for (const [what, dir] of [["under a regular file", () => join(w.home, "a-file", "cache")], ["inside /proc", () => "/proc/self/sesame-cache"]] as const) {
    test(`a cache folder ${what}: credentials without a cache and one warning line`, async () => {
      writeFileSync(join(w.home, "a-file"), "x");
      const env = { SESAME_CACHE_DIR: dir() };
      for (const args of [["credential-process", "prod"], ["credential-process", "alice"], ["whoami", "prod", "--json"]]) {
        const r = await w.run(args, { env });
        expect(r.code).toBe(0);
        if (args[0] === "credential-process") parseProcessOutput(r.stdout);
        expect(r.stderr).toMatch(/^sesame: warning: the cache folder .+ cannot be used \(.+\): credentials are not cached\n$/);
      }
    });
  }
});

describe("secret set reads the IAM console's CSV and the JSON of create-access-key (issue 16 item 20)", () => {
  test("the console's CSV (with a BOM and CRLF, as downloaded)", async () => {
    const r = await w.run(["secret", "set", "alice"], { stdin: `\uFEFFAccess key ID,Secret access key\r\n${w.alice.accessKeyId},${w.alice.secretAccessKey}\r\n` });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("sesame: read the IAM console's access-key CSV\n");
    expect(r.stderr).not.toContain(w.alice.secretAccessKey);
    expect(r.stderr).not.toContain(w.alice.accessKeyId);
    expect(JSON.parse((await w.run(["whoami", "alice", "--json"])).stdout).Arn).toBe(w.alice.arn);
  });

  test("the JSON of aws iam create-access-key", async () => {
    const json = JSON.stringify({ AccessKey: { UserName: "alice", AccessKeyId: w.alice.accessKeyId, Status: "Active", SecretAccessKey: w.alice.secretAccessKey, CreateDate: "2026-12-06T04:00:00+00:00" } }, null, 4);
    const r = await w.run(["secret", "set", "alice"], { stdin: json + "\n" });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("sesame: read the JSON of aws iam create-access-key\n");
    expect(r.stderr).not.toContain(w.alice.secretAccessKey);
    expect(JSON.parse((await w.run(["whoami", "alice", "--json"])).stdout).Arn).toBe(w.alice.arn);
  });

  test("JSON without an access key is refused with one line (status 2)", async () => {
    const r = await w.run(["secret", "set", "alice"], { stdin: `{"AccessKey":{}}\n` });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("a deleted key: list and doctor (issue 16 item 21)", () => {
  test("list says no secret (not cached until …) and doctor warns with the fix", async () => {
    await storeAliceKey(w);
    expect((await w.run(["credential-process", "dev"])).code).toBe(0);
    const before = JSON.parse((await w.run(["list", "--json"])).stdout) as { name: string; state: string }[];
    expect(before.find((r) => r.name === "dev")!.state).toBe("cached");
    const doc0 = JSON.parse((await w.run(["doctor", "--json"])).stdout) as { findings: { check: string; status: string }[] };
    expect(doc0.findings.find((f) => f.check === "keys")!.status).toBe("ok");
    expect((await w.run(["secret", "delete", "alice"])).code).toBe(0);
    const rows = JSON.parse((await w.run(["list", "--json"])).stdout) as { name: string; state: string; detail: string }[];
    expect(rows.find((r) => r.name === "alice")!.state).toBe("no-secret");
    expect(rows.find((r) => r.name === "dev")).toMatchObject({ state: "no-secret", detail: "no secret (alice)" });
    const doc = JSON.parse((await w.run(["doctor", "--json"])).stdout) as { findings: { check: string; status: string; message: string; fix?: string }[] };
    expect(doc.findings.find((f) => f.check === "keys")).toEqual({ check: "keys", status: "warn", message: `no access key is stored for "alice"`, fix: "sesame secret set alice" });
    await storeAliceKey(w);
  });

  test("a key removed from the keyring behind sesame's back: list says no secret", async () => {
    await storeAliceKey(w);
    expect((await w.run(["credential-process", "dev"])).code).toBe(0);
    const { openSecretStore } = await import("../../src/store/open-secret-store.ts");
    expect(await openSecretStore(w.env, w.catalog).delete("iam-user:alice")).toBe(true);
    const rows = JSON.parse((await w.run(["list", "--json"])).stdout) as { name: string; state: string; detail: string }[];
    expect(rows.find((r) => r.name === "dev")).toMatchObject({ state: "no-secret", detail: "no secret (alice)" });
    await storeAliceKey(w);
  });
});

/** Runs `sesame ARGS` on a terminal (script(1)), answering each prompt in turn once it is on the screen. */
async function onTerminal(env: Record<string, string>, args: string, answers: [string, string][]): Promise<{ code: number; screen: string }> {
  const { spawn } = await import("node:child_process");
  const { BIN } = await import("./harness.ts");
  const child = spawn("/usr/bin/script", ["-qec", `${BIN} ${args}`, "/dev/null"], { env, stdio: ["pipe", "pipe", "pipe"] });
  let screen = "";
  let seen = 0;
  let next = 0;
  child.stdout.on("data", (d) => {
    screen += d;
    while (next < answers.length) {
      const at = screen.indexOf(answers[next]![0], seen);
      if (at < 0) break;
      seen = at + answers[next]![0].length;
      child.stdin.write(`${answers[next]![1]}\r`);
      next++;
    }
  });
  const code = await new Promise<number>((r) => child.on("close", (c) => r(c ?? 1)));
  return { code, screen };
}

describe.skipIf(!existsSync("/usr/bin/script"))("the file keyring's first passphrase (issue 16 item 22)", () => {
  const fileEnv = (name: string) => {
    const env: Record<string, string> = { ...w.env, SESAME_KEYRING: "file", SESAME_FILE_KEYRING: join(w.home, `${name}.enc`) };
    delete env.SESAME_FILE_PASSPHRASE;
    return env;
  };

  test("two entries that differ are asked for again; the key typed before is not lost", async () => {
    const env = fileEnv("differ");
    const r = await onTerminal(env, "secret set alice", [
      ["Access key id for alice:", w.alice.accessKeyId],
      ["(not shown):", w.alice.secretAccessKey],
      ["new passphrase for the file keyring", "first one"],
      ["the same passphrase again:", "not the same"],
      ["new passphrase for the file keyring", "second one"],
      ["the same passphrase again:", "second one"],
    ]);
    expect(r.screen).toContain("the two passphrases differ; once more");
    expect(r.code).toBe(0);
    const c = await w.run(["whoami", "alice", "--json"], { env: { ...env, SESAME_FILE_PASSPHRASE: "second one" } });
    expect(JSON.parse(c.stdout).Arn).toBe(w.alice.arn);
  });

  test("an empty passphrase is refused at once, not asked for twice", async () => {
    const env = fileEnv("empty");
    const r = await onTerminal(env, "secret set alice", [
      ["Access key id for alice:", w.alice.accessKeyId],
      ["(not shown):", w.alice.secretAccessKey],
      ["new passphrase for the file keyring", ""],
    ]);
    expect(r.code).toBe(6);
    expect(r.screen).not.toContain("the same passphrase again");
    expect(r.screen).toContain("is empty");
    expect(existsSync(env.SESAME_FILE_KEYRING!)).toBe(false);
  });
});

describe.skipIf(!existsSync("/usr/bin/script"))("a waiter on a terminal says what it waits for (issue 16 item 18)", () => {
  test("another sesame asking for an MFA code: the second one says so instead of staying silent", async () => {
    const { world: mk, CHAIN_CATALOG, BIN } = await import("./harness.ts");
    const m = await mk(CHAIN_CATALOG.replace('[session.alice]\ntype = "iam-user"', '[session.alice]\ntype = "iam-user"\nmfa_serial = "arn:aws:iam::111111111111:mfa/alice"'));
    try {
      m.emu.addMfaDevice("arn:aws:iam::111111111111:mfa/alice", "314159");
      await storeAliceKey(m);
      const { spawn } = await import("node:child_process");
      const first = spawn("/usr/bin/script", ["-qec", `${BIN} credential-process alice > /dev/null`, "/dev/null"], { env: m.env, stdio: ["pipe", "pipe", "pipe"] });
      let screen = "";
      await new Promise<void>((r) => first.stdout.on("data", (d) => { screen += d; if (screen.includes("MFA code for")) r(); }));
      const second = await runOnTerminal(BIN, m.env, "credential-process alice > /dev/null; echo status=$?", { SESAME_LOCK_TIMEOUT: "3" });
      expect(second).toMatch(/sesame: waiting: another sesame, pid \d+, is asking for the MFA code of alice\r?\n/);
      expect(second).toContain("status=7");
      first.stdin.write("314159\r");
      expect(await new Promise<number>((r) => first.on("close", (c) => r(c ?? 1)))).toBe(0);
    } finally {
      await m.stop();
    }
  });
});

async function runOnTerminal(bin: string, env: Record<string, string>, cmd: string, extra: Record<string, string>): Promise<string> {
  const { runBinary } = await import("./harness.ts");
  const r = await runBinary(["/usr/bin/script", "-qec", `${bin} ${cmd}`, "/dev/null"], { ...env, ...extra }, "");
  return r.stdout;
}
