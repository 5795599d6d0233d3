// scripts/install.sh against small fake releases (a folder, or a base URL served on 127.0.0.1): which file it
// picks for uname/libc, the SHA256SUMS check (a mismatch or a missing line installs nothing), --prefix, and a
// re-install over an older version. The real binaries are installed in release.test.ts.
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const INSTALL = resolve(import.meta.dir, "../../scripts/install.sh");
const root = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), "sesame-install-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (what: string) => {
  const d = join(root, `${what}-${++n}`);
  mkdirSync(d, { recursive: true });
  return d;
};

const NAMES = ["linux-x64", "linux-arm64", "linux-x64-musl", "linux-arm64-musl", "darwin-x64", "darwin-arm64"];
const EXTRAS = { "sesame.1": ".TH SESAME 1\n", "sesame.bash": "complete -F _sesame sesame\n", _sesame: "#compdef sesame\n", "sesame.fish": "complete -c sesame\n" };

/** A release folder whose "binaries" are shell scripts printing their version and platform. */
function fakeRelease(version: string, opts: { corrupt?: string; drop?: string } = {}): string {
  const dir = fresh(`release-${version}`);
  const files: Record<string, string> = { ...EXTRAS };
  for (const name of NAMES) files[`sesame-${name}`] = `#!/bin/sh\necho "sesame ${version} (commit abc, ${name})"\n`;
  const sums: string[] = [];
  for (const [f, text] of Object.entries(files)) {
    writeFileSync(join(dir, f), text);
    chmodSync(join(dir, f), 0o755);
    if (f !== opts.drop) sums.push(`${createHash("sha256").update(text).digest("hex")}  ${f}`);
  }
  writeFileSync(join(dir, "SHA256SUMS"), sums.join("\n") + "\n");
  if (opts.corrupt) writeFileSync(join(dir, opts.corrupt), readFileSync(join(dir, opts.corrupt), "utf8") + "echo tampered\n");
  return dir;
}

/** Stub uname and ldd ahead of the real ones: the machine install.sh believes it is on. */
function machine(os: string, arch: string, libc: "glibc" | "musl" = "glibc"): string {
  const dir = fresh("stubs");
  writeFileSync(join(dir, "uname"), `#!/bin/sh\ncase "$1" in -s) echo ${os} ;; -m) echo ${arch} ;; *) echo ${os} ;; esac\n`);
  writeFileSync(join(dir, "ldd"), libc === "musl" ? `#!/bin/sh\necho "musl libc (x86_64)" >&2\nexit 1\n` : `#!/bin/sh\necho "ldd (Debian GLIBC 2.36-9) 2.36"\n`);
  writeFileSync(join(dir, "sysctl"), `#!/bin/sh\nexit 1\n`);
  for (const f of ["uname", "ldd", "sysctl"]) chmodSync(join(dir, f), 0o755);
  return dir;
}

function install(args: string[], stubs = machine("Linux", "x86_64")): { code: number; stdout: string; stderr: string; home: string } {
  const home = fresh("home");
  return installIn(home, args, stubs);
}
function installIn(home: string, args: string[], stubs = machine("Linux", "x86_64")) {
  const r = spawnSync("sh", [INSTALL, ...args], { env: { PATH: `${stubs}:/usr/bin:/bin`, HOME: home }, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, home };
}
const installed = (home: string, prefix = join(home, ".local")) => {
  const p = join(prefix, "bin", "sesame");
  return existsSync(p) ? spawnSync(p, ["--version"], { encoding: "utf8" }).stdout.trim() : undefined;
};

describe("install.sh", () => {
  test("installs this machine's binary, the man page and completions into ~/.local, and says what to do next", () => {
    const r = install([fakeRelease("1.0.0")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(installed(r.home)).toBe("sesame 1.0.0 (commit abc, linux-x64)");
    const share = join(r.home, ".local", "share");
    expect(readFileSync(join(share, "man", "man1", "sesame.1"), "utf8")).toBe(EXTRAS["sesame.1"]);
    expect(readFileSync(join(share, "bash-completion", "completions", "sesame"), "utf8")).toBe(EXTRAS["sesame.bash"]);
    expect(readFileSync(join(share, "zsh", "site-functions", "_sesame"), "utf8")).toBe(EXTRAS._sesame);
    expect(readFileSync(join(share, "fish", "vendor_completions.d", "sesame.fish"), "utf8")).toBe(EXTRAS["sesame.fish"]);
    expect(r.stdout).toContain(`installed sesame 1.0.0 (commit abc, linux-x64) in ${join(r.home, ".local", "bin")}`);
    expect(r.stdout).toContain("is not on your PATH");
    expect(r.stdout).toContain("next: sesame import");
  });

  for (const [os, arch, libc, want] of [
    ["Linux", "aarch64", "glibc", "linux-arm64"],
    ["Linux", "x86_64", "musl", "linux-x64-musl"],
    ["Linux", "arm64", "musl", "linux-arm64-musl"],
    ["Darwin", "arm64", "glibc", "darwin-arm64"],
    ["Darwin", "x86_64", "glibc", "darwin-x64"],
  ] as const) {
    test(`picks sesame-${want} for uname ${os} ${arch}${libc === "musl" ? " with musl" : ""}`, () => {
      const r = install([fakeRelease("1.0.0")], machine(os, arch, libc));
      expect(r.stderr).toBe("");
      expect(installed(r.home)).toBe(`sesame 1.0.0 (commit abc, ${want})`);
    });
  }

  test("refuses an unsupported machine with one line", () => {
    const r = install([fakeRelease("1.0.0")], machine("Linux", "riscv64"));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("install.sh: no sesame release for linux on riscv64 (x64 and arm64 only); build from source: npm ci && npm run build\n");
  });

  test("a corrupted binary is refused and nothing is installed", () => {
    const r = install([fakeRelease("1.0.0", { corrupt: "sesame-linux-x64" })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^install\.sh: sesame-linux-x64 does not match SHA256SUMS \(sha256 [0-9a-f]{64}, expected [0-9a-f]{64}\): refusing to install it; nothing was installed\n$/);
    expect(r.stdout).toBe("");
    expect(existsSync(join(r.home, ".local"))).toBe(false);
  });

  test("a corrupted man page or completion is refused too, before the binary is installed", () => {
    const r = install([fakeRelease("1.0.0", { corrupt: "_sesame" })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("_sesame does not match SHA256SUMS");
    expect(existsSync(join(r.home, ".local"))).toBe(false);
  });

  test("a binary with no SHA256SUMS line is refused", () => {
    const r = install([fakeRelease("1.0.0", { drop: "sesame-linux-x64" })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("has no line for sesame-linux-x64: refusing to install an unchecked file");
    expect(existsSync(join(r.home, ".local"))).toBe(false);
  });

  test("a re-install replaces an older version in place, and a refused upgrade leaves the old one working", () => {
    const first = install([fakeRelease("1.0.0")]);
    expect(installed(first.home)).toBe("sesame 1.0.0 (commit abc, linux-x64)");
    const bad = installIn(first.home, [fakeRelease("1.1.0", { corrupt: "sesame-linux-x64" })]);
    expect(bad.code).toBe(1);
    expect(installed(first.home)).toBe("sesame 1.0.0 (commit abc, linux-x64)");
    const second = installIn(first.home, [fakeRelease("1.1.0")]);
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("installed sesame 1.1.0 (commit abc, linux-x64) in");
    expect(second.stdout).toContain("(replacing sesame 1.0.0 (commit abc, linux-x64))");
    expect(installed(first.home)).toBe("sesame 1.1.0 (commit abc, linux-x64)");
  });

  test("--prefix DIR installs into DIR/bin; an existing catalog makes the next step `sesame list`", () => {
    const home = fresh("home");
    mkdirSync(join(home, ".config", "sesame"), { recursive: true });
    writeFileSync(join(home, ".config", "sesame", "sessions.toml"), "");
    const prefix = join(home, "opt");
    const r = installIn(home, ["--prefix", prefix, fakeRelease("1.0.0")]);
    expect(r.code).toBe(0);
    expect(installed(home, prefix)).toBe("sesame 1.0.0 (commit abc, linux-x64)");
    expect(existsSync(join(home, ".local"))).toBe(false);
    expect(r.stdout).toContain("next: sesame list");
  });

  test("takes a base URL (served on 127.0.0.1) as well as a folder", async () => {
    const dir = fakeRelease("2.0.0");
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req) => {
        const f = join(dir, new URL(req.url).pathname.replace(/^\/rel\//, ""));
        return existsSync(f) ? new Response(readFileSync(f)) : new Response("not found", { status: 404 });
      },
    });
    try {
      const stubs = machine("Linux", "x86_64");
      const home = fresh("home");
      const r = await new Promise<{ code: number; stderr: string }>((res) => {
        const p = Bun.spawn(["sh", INSTALL, `http://127.0.0.1:${server.port}/rel/`], { env: { PATH: `${stubs}:/usr/bin:/bin`, HOME: home }, stderr: "pipe", stdout: "ignore" });
        void Promise.all([p.exited, new Response(p.stderr).text()]).then(([code, stderr]) => res({ code, stderr }));
      });
      expect(r).toEqual({ code: 0, stderr: "" });
      expect(installed(home)).toBe("sesame 2.0.0 (commit abc, linux-x64)");
    } finally {
      server.stop(true);
    }
  });
});
