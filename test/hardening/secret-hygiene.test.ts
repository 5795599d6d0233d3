// Hardening 6 — secret hygiene. After full flows through dist/sesame (keys stored, chains resolved, SSO login
// and logout, list, whoami, env, exec, profiles sync, errors, file keyring), with --verbose and a umask of 000:
// no secret string is in any plain file under the test HOME, in any process's argv, on stderr or in the
// verbose log; files are 0600 and folders 0700; without a keyring, one line names SESAME_KEYRING=file.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ALICE_AND_DEV, BIN, type Run, type World } from "../e2e/harness.ts";
import { isOneLine, sleep, walk } from "./support.ts";
import { ADMIN_SESSION, deviceLogin, ssoCatalog, ssoWorld } from "../e2e/sso-harness.ts";

const PASSPHRASE = "hygiene passphrase 7f3a";
const CATALOG = `
[defaults]
region = "eu-west-1"
${ssoCatalog("", ALICE_AND_DEV + ADMIN_SESSION)}`;

let w: World;
/** Everything sesame printed on stderr (and stdout, where it is not meant to carry credentials). */
const transcripts: { args: string; stream: string; text: string }[] = [];
/** Every argv seen on this machine while the flows ran. */
const argvs = new Set<string>();
let sampling = true;
let sampler: Promise<void>;

/** Runs sesame under `umask 000`, so the modes it sets are its own doing, not the umask's. */
async function run(args: string[], opts: { stdin?: string; env?: Record<string, string | undefined>; stdoutIsOutput?: boolean } = {}): Promise<Run> {
  const r = await w.run(args, { ...opts, bin: ["/bin/sh", "-c", 'umask 000; exec "$@"', "sh", BIN] });
  transcripts.push({ args: args.join(" "), stream: "stderr", text: r.stderr });
  if (!opts.stdoutIsOutput) transcripts.push({ args: args.join(" "), stream: "stdout", text: r.stdout });
  return r;
}

async function sampleArgv(): Promise<void> {
  while (sampling) {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        argvs.add(readFileSync(`/proc/${pid}/cmdline`, "latin1").replace(/\0/g, " "));
      } catch { /* gone */ }
    }
    await sleep(3);
  }
}

async function login(env: Record<string, string | undefined> = {}): Promise<Run> {
  const r = await deviceLogin(w, ["--device-code", "--verbose"], { env, bin: ["/bin/sh", "-c", 'umask 000; exec "$@"', "sh", BIN] });
  transcripts.push({ args: "login corp --device-code --verbose", stream: "stderr", text: r.stderr });
  transcripts.push({ args: "login corp --device-code --verbose", stream: "stdout", text: r.stdout });
  return { code: r.code ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** Every secret the flows handled: long-term and temporary keys, session tokens, SSO tokens and client secrets, the passphrase. */
function secrets(): string[] {
  const s = new Set<string>([w.alice.secretAccessKey, PASSPHRASE]);
  for (const k of w.emu.state.accessKeys.values()) s.add(k.secretAccessKey);
  for (const t of w.emu.state.temporaryCredentials.values()) {
    s.add(t.secretAccessKey);
    s.add(t.sessionToken);
  }
  const sso = w.emu.state.sso;
  for (const t of sso.accessTokens.keys()) s.add(t);
  for (const t of sso.refreshTokens.keys()) s.add(t);
  for (const c of sso.clients.values()) s.add(c.clientSecret);
  for (const d of sso.deviceAuthorizations.keys()) s.add(d);
  return [...s].filter((x) => x.length >= 12);
}

/** Key ids: not secret, but shown only masked (****WXYZ) in sesame's own messages and logs. */
function keyIds(): string[] {
  return [w.alice.accessKeyId, ...w.emu.state.temporaryCredentials.keys()];
}

beforeAll(async () => {
  w = await ssoWorld(CATALOG);
  sampler = sampleArgv();

  const fileEnv = { SESAME_KEYRING: "file", SESAME_FILE_PASSPHRASE: PASSPHRASE };
  const stdinKey = `${w.alice.accessKeyId}\n${w.alice.secretAccessKey}\n`;
  const ok = (r: Run) => expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, stderr: "" });

  // the OS keyring
  ok(await run(["secret", "set", "alice", "--verbose"], { stdin: stdinKey }));
  ok(await run(["credential-process", "dev", "--verbose"], { stdoutIsOutput: true }));
  ok(await run(["credential-process", "dev", "--verbose"], { stdoutIsOutput: true }));
  ok(await run(["credential-process", "dev", "--no-cache", "--verbose"], { stdoutIsOutput: true }));
  ok(await run(["list", "--verbose"]));
  ok(await run(["list", "--json", "--verbose"]));
  ok(await run(["whoami", "dev", "--verbose"]));
  ok(await run(["env", "dev", "--verbose"], { stdoutIsOutput: true }));
  ok(await run(["exec", "dev", "--verbose", "--", "/bin/sh", "-c", "sleep 0.3; test -n \"$AWS_SESSION_TOKEN\""]));
  ok(await run(["profiles", "sync", "--verbose"]));
  ok(await login());
  ok(await run(["credential-process", "admin", "--verbose"], { stdoutIsOutput: true }));
  ok(await run(["list", "--verbose"]));
  ok(await run(["logout", "corp", "--verbose"]));
  // failures, with --verbose (their causes are printed)
  w.emu.faults.error("AssumeRole", "AccessDenied", "not authorized", 403, 1);
  await run(["credential-process", "dev", "--no-cache", "--verbose"]);
  w.emu.faults.throttle("*", 10);
  await run(["credential-process", "dev", "--no-cache", "--verbose"]);
  w.emu.faults.clear();
  await run(["credential-process", "dev", "--no-cache", "--verbose"], { env: { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9" } });
  await run(["credential-process", "admin", "--verbose"]);
  await run(["secret", "set", "alice", "--verbose"], { stdin: `${w.alice.accessKeyId}\nshort\n` });
  ok(await run(["secret", "delete", "alice", "--verbose"]));
  ok(await run(["cache", "clear", "--verbose"]));
  // the file keyring
  ok(await run(["secret", "set", "alice", "--verbose"], { stdin: stdinKey, env: fileEnv }));
  ok(await run(["credential-process", "dev", "--verbose"], { stdoutIsOutput: true, env: fileEnv }));
  ok(await login(fileEnv));
  ok(await run(["credential-process", "admin", "--verbose"], { stdoutIsOutput: true, env: fileEnv }));
  await run(["credential-process", "dev", "--no-cache", "--verbose"], { env: { ...fileEnv, SESAME_FILE_PASSPHRASE: "wrong passphrase" } });
  ok(await run(["logout", "--verbose"], { env: fileEnv }));
  sampling = false;
  await sampler;
}, 120_000);
afterAll(() => w.stop());

describe("after full flows", () => {
  test("the flows really handled secrets (the checks below have something to find)", () => {
    expect(secrets().length).toBeGreaterThan(10);
    expect(w.emu.state.sso.accessTokens.size).toBeGreaterThanOrEqual(2);
    expect(transcripts.some((t) => /\[verbose\]/.test(t.text))).toBe(true);
  });

  test("no secret string is in any plain file under HOME", () => {
    const files = walk(w.home).filter((e) => !e.dir && !e.symlink);
    expect(files.map((f) => f.path)).toContain(join(w.home, ".aws", "config"));
    const leaks: string[] = [];
    for (const f of files) {
      const bytes = readFileSync(f.path);
      const texts = [bytes.toString("latin1"), bytes.toString("utf8")];
      for (const s of secrets()) if (texts.some((t) => t.includes(s))) leaks.push(`${f.path}: ${s.slice(0, 6)}…`);
      for (const id of keyIds()) if (texts.some((t) => t.includes(id))) leaks.push(`${f.path}: key id ${id}`);
    }
    expect(leaks).toEqual([]);
  });

  test("no secret string is in the argv of any process (sesame's or its children's)", () => {
    expect([...argvs].some((a) => a.includes(BIN) && a.includes("credential-process"))).toBe(true);
    expect([...argvs].some((a) => a.includes("sleep 0.3"))).toBe(true); // the exec'd child was seen
    const leaks = [...argvs].filter((a) => secrets().some((s) => a.includes(s)));
    expect(leaks).toEqual([]);
  });

  test("no secret on stderr or in --verbose output, and key ids only masked", () => {
    const leaks: string[] = [];
    for (const t of transcripts) {
      for (const s of secrets()) if (t.text.includes(s)) leaks.push(`${t.args} (${t.stream}): ${s.slice(0, 6)}…`);
      for (const id of keyIds()) if (t.text.includes(id)) leaks.push(`${t.args} (${t.stream}): key id ${id}`);
    }
    expect(leaks).toEqual([]);
    // the masked form is what appears
    expect(transcripts.some((t) => t.text.includes(`****${w.alice.accessKeyId.slice(-4)}`))).toBe(true);
  });

  test("every file sesame wrote is 0600 and every folder 0700, even under umask 000", () => {
    const mine = new Set([w.home, join(w.home, ".config"), join(w.home, ".config", "sesame"), w.catalog]);
    const entries = walk(w.home).filter((e) => !mine.has(e.path));
    expect(entries.length).toBeGreaterThan(5);
    const wrong = entries.filter((e) => !e.symlink && e.mode !== (e.dir ? 0o700 : 0o600)).map((e) => `${e.path} ${e.mode.toString(8)}`);
    expect(wrong).toEqual([]);
    expect(statSync(join(w.home, ".aws", "config")).mode & 0o777).toBe(0o600);
  });

  test("an access key is never taken from argv (shell history): extra words are refused, nothing is stored", async () => {
    const other = w.emu.addUser({ userName: "alice", account: "111111111111" });
    const r = await run(["secret", "set", "alice", other.accessKeyId, other.secretAccessKey]);
    expect(r.code).toBe(2);
    expect(isOneLine(r.stderr)).toBe(true);
    const after = await run(["credential-process", "alice", "--no-cache"]);
    expect(after.code).toBe(4); // deleted above; the words on the command line were not stored
  });

  // Was defect ARGV-ECHO (fixed in 1f523a9): cac's "Unused args: …" was passed through, so
  // `sesame secret set alice AKIA… SECRET` printed the secret back on stderr.
  test("a secret typed on the command line is not echoed back in the error", async () => {
    const r = await run(["secret", "set", "alice", w.alice.accessKeyId, w.alice.secretAccessKey]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain(w.alice.secretAccessKey);
  });
});

describe("the keyring unavailable", () => {
  const noBus = [{ DBUS_SESSION_BUS_ADDRESS: undefined }, { DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" }];
  const commands: [string, string[], string?][] = [
    ["secret set", ["secret", "set", "alice"], "AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"],
    ["credential-process", ["credential-process", "dev", "--no-cache"]],
    ["secret delete", ["secret", "delete", "alice"]],
    ["login", ["login", "corp", "--device-code"]],
    ["logout", ["logout", "corp"]],
  ];
  for (const env of noBus) {
    for (const [what, args, stdin] of commands) {
      test(`${what}, ${env.DBUS_SESSION_BUS_ADDRESS ? "a bus that is not there" : "no D-Bus session"}: one line naming SESAME_KEYRING=file, exit 6`, async () => {
        const r = await run(args, { env, ...(stdin ? { stdin } : {}) });
        expect(r.code).toBe(6);
        expect(r.stdout).toBe("");
        expect(isOneLine(r.stderr)).toBe(true);
        expect(r.stderr).toContain("SESAME_KEYRING=file");
      });
    }
  }
});


