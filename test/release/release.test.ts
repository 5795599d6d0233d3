// The release binaries of `npm run release` (dist/release/): each one's format and embedded keyring addon,
// SHA256SUMS, the man page and completions, and the Linux arm64 binary really running under qemu-user
// against the emulator with the file keyring and with the OS keyring (Secret Service over the host's D-Bus).
// Slow to build (seven cross builds, about a minute): an up-to-date dist/release/ is used as it is,
// otherwise it is built once here. SESAME_RELEASE_REBUILD=1 forces a build.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, versionStamp } from "../../scripts/build.ts";
import { DEFAULT_OUT, EXTRAS, RELEASE_TARGETS, addonFile, binaryName, type ReleaseTarget } from "../../scripts/release.ts";
import { CHAIN_CATALOG, DEV_ROLE, PROD_ROLE, isCi, parseProcessOutput, world, type World } from "../e2e/harness.ts";
import { embeddedAddonNames, machoSignature, problems } from "./inspect.ts";

const OUT = DEFAULT_OUT;
const BUN = process.execPath;
const QEMU = "/usr/bin/qemu-aarch64";
const ARM64_SYSROOT = "/usr/aarch64-linux-gnu";
// The arm64 C library and libgcc_s (which the keyring addon links) that qemu-user loads the binary with.
const ARM64_LIBS = ["ld-linux-aarch64.so.1", "libc.so.6", "libgcc_s.so.1"].map((f) => join(ARM64_SYSROOT, "lib", f));
const byName = (name: string) => RELEASE_TARGETS.find((t) => t.name === name)!;
const path = (t: ReleaseTarget) => join(OUT, binaryName(t));

/** The newest modification time under a folder (what a release built before it would not contain). */
function newest(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(p).map((n) => newest(join(p, n))));
}

function releaseIsCurrent(): string | undefined {
  const sums = join(OUT, "SHA256SUMS");
  if (process.env.SESAME_RELEASE_REBUILD === "1") return "SESAME_RELEASE_REBUILD=1";
  if (!existsSync(sums)) return "no dist/release/SHA256SUMS";
  if (RELEASE_TARGETS.some((t) => !existsSync(path(t)))) return "a binary is missing";
  const built = statSync(sums).mtimeMs;
  const inputs = ["src", "scripts/build.ts", "scripts/release.ts", "package.json", "package-lock.json"].map((p) => join(ROOT, p));
  if (inputs.some((p) => newest(p) > built)) return "the sources changed since it was built";
  const line = execFileSync(path(byName("linux-x64")), ["--version"]).toString();
  if (!line.includes(`(commit ${versionStamp("linux-x64").commit},`)) return `it was built from another commit (${line.trim()})`;
  return undefined;
}

beforeAll(() => {
  const why = releaseIsCurrent();
  if (why === undefined) return;
  console.error(`release.test: building dist/release (${why})`);
  const r = spawnSync(BUN, [join(ROOT, "scripts", "release.ts")], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`npm run release failed (exit ${r.status})`);
}, 900_000);

describe("release files", () => {
  test("dist/release has the seven binaries, the man page, the completions and a SHA256SUMS line for each, matching", () => {
    const names = readdirSync(OUT).filter((n) => n !== "SHA256SUMS").sort();
    expect(names).toEqual([...RELEASE_TARGETS.map(binaryName), ...EXTRAS].sort());
    const sums = readFileSync(join(OUT, "SHA256SUMS"), "utf8").trim().split("\n").map((l) => l.split("  ") as [string, string]);
    expect(sums.map(([, n]) => n).sort()).toEqual(names);
    for (const [hash, name] of sums) expect(`${createHash("sha256").update(readFileSync(join(OUT, name))).digest("hex")}  ${name}`).toBe(`${hash}  ${name}`);
  });

  for (const t of RELEASE_TARGETS) {
    test(`${binaryName(t)} is ${t.format} ${t.arch} and embeds keyring.${t.addon}.node, built for the same platform`, () => {
      expect(problems(readFileSync(path(t)), readFileSync(addonFile(t)), t)).toEqual([]);
    });
  }

  test("the macOS binaries' code signatures are what docs/install.md says: arm64 ad hoc over the whole file, x64 Bun's own, short of sesame's code", () => {
    expect(machoSignature(readFileSync(path(byName("darwin-arm64"))))).toEqual({ adhoc: true, certificate: false, coversFile: true });
    expect(machoSignature(readFileSync(path(byName("darwin-x64"))))).toEqual({ adhoc: false, certificate: true, coversFile: false });
  });

  test("the inspection fails for a binary whose addon is missing or another platform's", () => {
    const t = byName("linux-arm64");
    const bin = readFileSync(path(t));
    const addon = readFileSync(addonFile(t));
    // The addon's bytes and name blanked out: what `--all` used to produce for every non-host target.
    const stripped = Buffer.from(bin);
    const at = stripped.indexOf(addon);
    expect(at).toBeGreaterThan(0);
    stripped.fill(0, at, at + addon.length);
    for (const name of embeddedAddonNames(stripped)) {
      let i = -1;
      while ((i = stripped.indexOf(`keyring.${name}-`, i + 1)) >= 0) stripped.fill(0x5f, i, i + 8);
    }
    const found = problems(stripped, addon, t);
    expect(found).toContain("embeds no keyring.linux-arm64-gnu.node (names: none)");
    expect(found).toContain(`does not contain the bytes of keyring.linux-arm64-gnu.node (${addon.length} bytes)`);
    // The x64 binary offered as the arm64 one: wrong CPU, wrong addon.
    const wrong = problems(readFileSync(path(byName("linux-x64"))), addon, t);
    expect(wrong).toContain("is elf x64, expected elf arm64");
    expect(wrong.some((p) => p.startsWith("embeds no keyring.linux-arm64-gnu.node"))).toBe(true);
  });

  test("sesame.1 has every command and flag of --help, and the completions are what `sesame completion` prints", () => {
    const bin = path(byName("linux-x64"));
    const run = (...args: string[]) => execFileSync(bin, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir() } }).toString();
    const man = readFileSync(join(OUT, "sesame.1"), "utf8");
    expect(man.startsWith(".TH SESAME 1")).toBe(true);
    const help = run("--help");
    const commands = [...help.split("Commands:")[1]!.split("\n\n")[0]!.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThan(10);
    for (const c of commands) expect(man).toContain(`.B sesame ${c.replace(/-/g, "\\-")}`);
    for (const flag of ["\\-\\-no\\-cache", "\\-\\-device\\-code", "\\-\\-policy\\-arn <arn>", "\\-\\-config <path>"]) expect(man).toContain(flag);
    expect(readFileSync(join(OUT, "sesame.bash"), "utf8")).toBe(run("completion", "bash"));
    expect(readFileSync(join(OUT, "_sesame"), "utf8")).toBe(run("completion", "zsh"));
    expect(readFileSync(join(OUT, "sesame.fish"), "utf8")).toBe(run("completion", "fish"));
  });

  test("sesame --version of the Linux x64 binary names the version, the commit and the target", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    const want = `sesame ${pkg.version} (commit ${versionStamp("x").commit}, linux-x64)\n`;
    expect(execFileSync(path(byName("linux-x64")), ["--version"]).toString()).toBe(want);
    // With another flag first the CLI parser (cac) answers, and must print the same line.
    expect(execFileSync(path(byName("linux-x64")), ["--verbose", "--version"]).toString()).toBe(want);
  });
});

// ------------------------------------------------------------------------------ linux-arm64 under qemu

describe("the Linux arm64 binary under qemu-user", () => {
  const ready = existsSync(QEMU) && ARM64_LIBS.every((f) => existsSync(f));
  const arm64 = () => [QEMU, "-L", ARM64_SYSROOT, path(byName("linux-arm64"))];
  const worlds: World[] = [];
  afterAll(async () => {
    for (const w of worlds) {
      await w.run(["secret", "delete", "alice"], { bin: arm64() }).catch(() => undefined);
      await w.stop();
      rmSync(w.home, { recursive: true, force: true });
    }
  });
  const newWorld = async (env: Record<string, string>) => {
    const w = await world(CHAIN_CATALOG);
    Object.assign(w.env, env);
    worlds.push(w);
    return w;
  };

  test("qemu-user and the arm64 libraries are installed (Debian: qemu-user libc6-arm64-cross libgcc-s1-arm64-cross; .ci/run installs them)", () => {
    expect([QEMU, ...ARM64_LIBS].filter((f) => !existsSync(f))).toEqual([]);
  });

  test.if(ready)("--version and list run", async () => {
    const w = await newWorld({ SESAME_KEYRING: "file", SESAME_FILE_PASSPHRASE: "arm64 passphrase" });
    const v = await w.run(["--version"], { bin: arm64() });
    expect(v).toMatchObject({ code: 0, stderr: "" });
    expect(v.stdout).toMatch(/^sesame \S+ \(commit \S+, linux-arm64\)\n$/);
    const l = await w.run(["list", "--json"], { bin: arm64() });
    expect(l.stderr).toBe("");
    expect(l.code).toBe(0);
    expect((JSON.parse(l.stdout) as Array<{ name: string }>).map((r) => r.name).sort()).toEqual(["alice", "dev", "prod"]);
  });

  const cold = async (w: World, bin = arm64()) => {
    const set = await w.run(["secret", "set", "alice"], { bin, stdin: `${w.alice.accessKeyId}\n${w.alice.secretAccessKey}\n` });
    expect(set.stderr).toContain('stored access key');
    expect(set.code).toBe(0);
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "prod"], { bin });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const creds = parseProcessOutput(r.stdout);
    expect(creds.AccessKeyId).toMatch(/^ASIA/);
    // alice's session, then the two role hops (dev, then prod), each once.
    expect(w.emu.callsFor("GetSessionToken").length).toBe(1);
    expect(w.emu.callsFor("AssumeRole").map((c) => c.params.RoleArn)).toEqual([DEV_ROLE, PROD_ROLE]);
    // The same credentials again from the cache, without a call.
    const again = await w.run(["credential-process", "prod"], { bin });
    expect(parseProcessOutput(again.stdout).AccessKeyId).toBe(creds.AccessKeyId);
    expect(w.emu.calls.length).toBe(3);
  };

  test.if(ready)("a cold credential-process of alice → dev → prod with the file keyring", async () => {
    await cold(await newWorld({ SESAME_KEYRING: "file", SESAME_FILE_PASSPHRASE: "arm64 passphrase" }));
  });

  test.if(ready)("a cold credential-process of alice → dev → prod with the OS keyring (Secret Service over D-Bus, through the arm64 addon)", async () => {
    const bus = process.env.DBUS_SESSION_BUS_ADDRESS;
    if (!bus) {
      // scripts/test.sh always provides one; outside it there is nothing to test against.
      if (isCi()) throw new Error("no D-Bus session: run through scripts/test.sh");
      return;
    }
    const w = await newWorld({ SESAME_KEYRING: "os", DBUS_SESSION_BUS_ADDRESS: bus });
    delete w.env.SESAME_FILE_PASSPHRASE;
    await cold(w);
    // The secret really is in the Secret Service: the host's own binary reads it back for the same chain.
    rmSync(w.cacheDir, { recursive: true, force: true });
    const host = await w.run(["credential-process", "dev"]);
    expect(host.stderr).toBe("");
    expect(host.code).toBe(0);
  });

  test("the Linux x64 release binary (its own embedded addon, not dist/sesame's) does the same with the OS keyring", async () => {
    const bus = process.env.DBUS_SESSION_BUS_ADDRESS;
    if (!bus) {
      if (isCi()) throw new Error("no D-Bus session: run through scripts/test.sh");
      return;
    }
    const w = await newWorld({ SESAME_KEYRING: "os", DBUS_SESSION_BUS_ADDRESS: bus });
    delete w.env.SESAME_FILE_PASSPHRASE;
    await cold(w, [path(byName("linux-x64"))]);
  });
});

// ------------------------------------------------------------------------- install.sh with the real files

test("install.sh installs the real Linux x64 binary and its extras from dist/release, and it runs", () => {
  const home = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), "sesame-install-real-"));
  try {
    const r = spawnSync("sh", [join(ROOT, "scripts", "install.sh"), OUT], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home }, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const installed = join(home, ".local", "bin", "sesame");
    expect(execFileSync(installed, ["--version"]).toString()).toContain(", linux-x64)");
    expect(readFileSync(installed).equals(readFileSync(path(byName("linux-x64"))))).toBe(true);
    expect(existsSync(join(home, ".local", "share", "man", "man1", "sesame.1"))).toBe(true);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
