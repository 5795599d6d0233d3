// npm run release → dist/release/: one sesame binary per platform, each embedding its own platform's
// @napi-rs/keyring native addon, plus shell completions, the man page and SHA256SUMS.
//
// Why a build per target with a plugin: @napi-rs/keyring's index.js picks its addon at run time
// (process.platform/arch, musl or glibc) among `./keyring.<platform>.node` and the optional packages
// `@napi-rs/keyring-<platform>`, and npm installed only this machine's. So each build resolves the import
// "@napi-rs/keyring" to a small generated entry beside that target's addon (`module.exports =
// require("./keyring.<platform>.node")`), which `bun build --compile` embeds like any required .node file.
// The addon packages are fetched with `npm pack` into a cache (never into node_modules, which is shared) and
// checked against the integrity package-lock.json records for them. Bun downloads each target's runtime
// from the npm registry itself; if that fails, the @oven/bun-* package is fetched the same way as the
// addons and handed over as the executable (`--compile-executable-path`).
//
//   bun scripts/release.ts [--out DIR] [--only linux-x64,linux-arm64]
//   SESAME_RELEASE_RUNTIME=npm: always wrap the @oven/bun-* runtime from npm (checked against package-lock.json)
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { BunPlugin } from "bun";
import { ROOT, compile, hostTarget, stampDefine, versionStamp } from "./build.ts";

export interface ReleaseTarget {
  /** The release's name for it: the file is sesame-<name> (".exe" on Windows). */
  name: string;
  /** Bun's cross-compile target. */
  bun: string;
  /** The @oven/bun-* package of that runtime (the fallback executable). */
  runtime: string;
  /** The @napi-rs/keyring-<addon> package, and its file keyring.<addon>.node. */
  addon: string;
  format: "elf" | "macho" | "pe";
  arch: "x64" | "arm64";
  musl?: boolean;
}

export const RELEASE_TARGETS: readonly ReleaseTarget[] = [
  { name: "linux-x64", bun: "bun-linux-x64", runtime: "bun-linux-x64", addon: "linux-x64-gnu", format: "elf", arch: "x64" },
  { name: "linux-arm64", bun: "bun-linux-arm64", runtime: "bun-linux-aarch64", addon: "linux-arm64-gnu", format: "elf", arch: "arm64" },
  { name: "linux-x64-musl", bun: "bun-linux-x64-musl", runtime: "bun-linux-x64-musl", addon: "linux-x64-musl", format: "elf", arch: "x64", musl: true },
  { name: "linux-arm64-musl", bun: "bun-linux-arm64-musl", runtime: "bun-linux-aarch64-musl", addon: "linux-arm64-musl", format: "elf", arch: "arm64", musl: true },
  { name: "darwin-x64", bun: "bun-darwin-x64", runtime: "bun-darwin-x64", addon: "darwin-x64", format: "macho", arch: "x64" },
  { name: "darwin-arm64", bun: "bun-darwin-arm64", runtime: "bun-darwin-aarch64", addon: "darwin-arm64", format: "macho", arch: "arm64" },
  { name: "windows-x64", bun: "bun-windows-x64", runtime: "bun-windows-x64", addon: "win32-x64-msvc", format: "pe", arch: "x64" },
];

export const binaryName = (t: ReleaseTarget) => `sesame-${t.name}${t.format === "pe" ? ".exe" : ""}`;
export const DEFAULT_OUT = join(ROOT, "dist", "release");
/** Files shipped beside the binaries (and listed in SHA256SUMS): man page, completions, the installer. */
export const EXTRAS = ["sesame.1", "sesame.bash", "_sesame", "sesame.fish", "install.sh"] as const;

/** Downloaded packages: outside node_modules (shared) and outside dist/ (rebuilt often). */
export function cacheRoot(): string {
  return process.env.SESAME_RELEASE_CACHE ?? join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "sesame-release");
}

const lock = () => JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string; integrity?: string }> };

/** The version and integrity package-lock.json records for a package; fails when it records none. */
function locked(pkg: string): { version: string; integrity: string } {
  const entry = lock().packages[`node_modules/${pkg}`];
  if (!entry?.version || !entry.integrity) throw new Error(`package-lock.json has no version and integrity for ${pkg}: run npm install once to record it`);
  return { version: entry.version, integrity: entry.integrity };
}

/**
 * The unpacked folder ("…/package") of an npm package at the version package-lock.json records, fetched once
 * with `npm pack` and checked against the lockfile's integrity before it is unpacked.
 */
export function fetchPackage(pkg: string): string {
  const { version, integrity } = locked(pkg);
  const dir = join(cacheRoot(), `${pkg.replace("/", "+")}@${version}`);
  const unpacked = join(dir, "package");
  if (existsSync(join(dir, ".complete"))) return unpacked;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const out = execFileSync("npm", ["pack", `${pkg}@${version}`, "--json", "--pack-destination", dir], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] }).toString();
  const file = join(dir, (JSON.parse(out) as Array<{ filename: string }>)[0]!.filename);
  const [algo, expected] = [integrity.slice(0, integrity.indexOf("-")), integrity.slice(integrity.indexOf("-") + 1)];
  const actual = createHash(algo).update(readFileSync(file)).digest("base64");
  if (actual !== expected) throw new Error(`${pkg}@${version}: the downloaded package does not match package-lock.json's integrity (${integrity}); refusing it`);
  execFileSync("tar", ["-xzf", file, "-C", dir]);
  rmSync(file);
  writeFileSync(join(dir, ".complete"), "");
  return unpacked;
}

/** The keyring addon file for a target, fetched at the version of the installed @napi-rs/keyring. */
export function addonFile(t: ReleaseTarget): string {
  const want = (JSON.parse(readFileSync(join(ROOT, "node_modules", "@napi-rs", "keyring", "package.json"), "utf8")) as { version: string }).version;
  const pkg = `@napi-rs/keyring-${t.addon}`;
  const have = locked(pkg).version;
  if (have !== want) throw new Error(`package-lock.json records ${pkg}@${have} but @napi-rs/keyring is ${want}: run npm install to update the lockfile`);
  const file = join(fetchPackage(pkg), `keyring.${t.addon}.node`);
  if (!existsSync(file)) throw new Error(`${pkg} has no keyring.${t.addon}.node`);
  return file;
}

/**
 * Resolves `import("@napi-rs/keyring")` to an entry that requires exactly this addon. The entry repeats
 * index.js's own `module.exports.Entry = nativeBinding.Entry` lines: the bundler finds a CommonJS module's
 * named exports by reading such assignments, so without them `(await import(…)).Entry` is undefined.
 */
export function keyringPlugin(addon: string): BunPlugin {
  const dir = resolve(addon, "..");
  const entry = join(dir, "sesame-entry.cjs");
  const index = readFileSync(join(ROOT, "node_modules", "@napi-rs", "keyring", "index.js"), "utf8");
  const names = [...index.matchAll(/^module\.exports\.(\w+) = nativeBinding\.\1$/gm)].map((m) => m[1]!);
  if (!names.includes("Entry")) throw new Error("@napi-rs/keyring's index.js no longer ends with `module.exports.Entry = nativeBinding.Entry`: check how it exports its addon");
  const text = [
    "// Generated by sesame's scripts/release.ts: this target's addon, nothing chosen at run time.",
    `const nativeBinding = require(${JSON.stringify("./" + addon.slice(dir.length + 1))});`,
    "module.exports = nativeBinding;",
    ...names.map((n) => `module.exports.${n} = nativeBinding.${n};`),
    "",
  ].join("\n");
  if (!existsSync(entry) || readFileSync(entry, "utf8") !== text) writeFileSync(entry, text);
  return {
    name: "sesame-keyring-addon",
    setup(build) {
      build.onResolve({ filter: /^@napi-rs\/keyring$/ }, () => ({ path: entry }));
    },
  };
}

/** Builds one release binary into `out`. */
export async function buildTarget(t: ReleaseTarget, out: string): Promise<string> {
  const outfile = join(out, binaryName(t));
  const base = { entrypoint: join(ROOT, "src", "main.ts"), outfile, target: t.bun, define: stampDefine(versionStamp(t.name)), plugins: [keyringPlugin(addonFile(t))] };
  const npmRuntime = () => {
    const exe = join(fetchPackage(`@oven/${t.runtime}`), "bin", t.format === "pe" ? "bun.exe" : "bun");
    if (!existsSync(exe)) throw new Error(`@oven/${t.runtime} has no ${exe}`);
    return exe;
  };
  if (process.env.SESAME_RELEASE_RUNTIME === "npm") {
    // Always the runtime npm fetched and package-lock.json vouches for (and how the fallback below is tried out).
    await compile({ ...base, executablePath: npmRuntime() });
  } else {
    try {
      await compile(base);
    } catch (first) {
      // Bun could not fetch the runtime itself: hand it the @oven/bun-* package npm can fetch.
      let exe: string;
      try {
        exe = npmRuntime();
      } catch {
        throw first;
      }
      console.error(`release: ${t.name}: bun could not build with its own runtime download (${(first as Error).message.split("\n")[0]}); using ${exe}`);
      await compile({ ...base, executablePath: exe });
    }
  }
  // Bun writes the Windows file with .exe already; keep the name whatever it did.
  if (t.format === "pe" && !existsSync(outfile) && existsSync(outfile.replace(/\.exe$/, ""))) renameSync(outfile.replace(/\.exe$/, ""), outfile);
  chmodSync(outfile, 0o755);
  return outfile;
}

// ------------------------------------------------------------------- man page and completions

interface HelpRow {
  usage: string;
  description: string;
}

/** The rows of a section ("Commands:", "Options:") of cac's --help output: two-space indent, 2+ spaces between. */
export function helpSection(help: string, title: string): HelpRow[] {
  const lines = help.split("\n");
  const start = lines.findIndex((l) => l.trim() === `${title}:`);
  if (start < 0) return [];
  const rows: HelpRow[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("  ")) break;
    const m = /^ {2}(\S.*?) {2,}(.*)$/.exec(line.trimEnd());
    if (m) rows.push({ usage: m[1]!, description: m[2]! });
  }
  return rows;
}

const roff = (s: string) => s.replace(/\\/g, "\\e").replace(/-/g, "\\-").replace(/^([.'])/gm, "\\&$1");

/** sesame.1, from `sesame --help` and each `sesame COMMAND --help`: the same command table, so it cannot drift. */
export function manPage(help: (args: string[]) => string, version: string): string {
  const top = help(["--help"]);
  const commands = helpSection(top, "Commands");
  if (commands.length === 0) throw new Error("sesame --help lists no commands");
  const global = helpSection(top, "Options");
  const globalNames = new Set(global.map((o) => o.usage));
  const out = [
    `.TH SESAME 1 "" "sesame ${roff(version)}" "User Commands"`,
    ".SH NAME",
    "sesame \\- short\\-lived AWS credentials on demand through credential_process",
    ".SH SYNOPSIS",
    ".B sesame",
    ".I command",
    "[options]",
    ".SH DESCRIPTION",
    "sesame keeps long\\-lived secrets in the operating system's keyring and hands AWS tools short\\-lived",
    "credentials through the credential_process setting of ~/.aws/config. The session catalog is",
    "~/.config/sesame/sessions.toml.",
    ".SH COMMANDS",
  ];
  for (const c of commands) {
    out.push(".TP", `.B sesame ${roff(c.usage)}`, roff(c.description));
    const name = c.usage.split(" ")[0]!;
    // A leading global flag sends every command through cac's table (main.ts answers a bare
    // `credential-process …` itself, without --help).
    const own = helpSection(help(["--verbose", name, "--help"]), "Options").filter((o) => !globalNames.has(o.usage));
    for (const o of own) out.push(".RS", ".TP", `.B ${roff(o.usage)}`, roff(o.description), ".RE");
  }
  out.push(".SH OPTIONS");
  for (const o of global) out.push(".TP", `.B ${roff(o.usage)}`, roff(o.description));
  out.push(
    ".SH FILES",
    ".TP", ".I ~/.config/sesame/sessions.toml", "the session catalog ($SESAME_CONFIG, \\-\\-config)",
    ".TP", ".I ~/.cache/sesame/", "cached credentials, encrypted",
    ".SH SEE ALSO",
    "The README and docs/ of the sesame source; aws(1).",
    "",
  );
  return out.join("\n");
}

/** Runs a sesame binary of this machine (for the man page and the completion scripts). */
function runner(bin: string): (args: string[]) => string {
  const home = join(cacheRoot(), "empty-home");
  mkdirSync(home, { recursive: true });
  return (args) => execFileSync(bin, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, XDG_CONFIG_HOME: join(home, ".config"), SESAME_KEYRING: "file" }, stdio: ["ignore", "pipe", "pipe"] }).toString();
}

export function writeExtras(bin: string, out: string): void {
  const run = runner(bin);
  const version = run(["--version"]).trim().replace(/^sesame /, "");
  writeFileSync(join(out, "sesame.1"), manPage(run, version));
  writeFileSync(join(out, "sesame.bash"), run(["completion", "bash"]));
  writeFileSync(join(out, "_sesame"), run(["completion", "zsh"]));
  writeFileSync(join(out, "sesame.fish"), run(["completion", "fish"]));
}

/** SHA256SUMS in `sha256sum` format (two spaces, file name), sorted. */
export function writeSums(out: string): void {
  const names = readdirSync(out).filter((n) => n !== "SHA256SUMS" && !n.startsWith(".")).sort();
  const lines = names.map((n) => `${createHash("sha256").update(readFileSync(join(out, n))).digest("hex")}  ${n}`);
  writeFileSync(join(out, "SHA256SUMS"), lines.join("\n") + "\n");
}

/** Builds everything into `out` (replacing what was there); returns the seconds each binary took. */
export async function release(out = DEFAULT_OUT, only?: string[], log = (m: string) => console.error(m)): Promise<Record<string, number>> {
  const targets = only ? RELEASE_TARGETS.filter((t) => only.includes(t.name)) : RELEASE_TARGETS;
  if (only && targets.length !== only.length) throw new Error(`unknown target in ${only.join(",")}; known: ${RELEASE_TARGETS.map((t) => t.name).join(", ")}`);
  const staging = `${out}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const seconds: Record<string, number> = {};
  for (const t of targets) {
    const t0 = performance.now();
    await buildTarget(t, staging);
    seconds[t.name] = Math.round((performance.now() - t0) / 100) / 10;
    log(`release: built ${binaryName(t)} (${seconds[t.name]} s)`);
  }
  // The extras come from a binary that runs here: this machine's own release binary, else dist/sesame.
  const host = targets.find((t) => t.name === hostTarget());
  const bin = host ? join(staging, binaryName(host)) : join(ROOT, "dist", "sesame");
  if (!existsSync(bin)) throw new Error(`no sesame binary for this machine to generate the man page and completions with (run npm run build)`);
  writeExtras(bin, staging);
  copyFileSync(join(ROOT, "scripts", "install.sh"), join(staging, "install.sh"));
  writeSums(staging);
  rmSync(out, { recursive: true, force: true });
  renameSync(staging, out);
  return seconds;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const out = resolve(value("--out") ?? DEFAULT_OUT);
  const only = value("--only")?.split(",");
  const t0 = performance.now();
  try {
    const seconds = await release(out, only);
    console.error(`release: ${Object.keys(seconds).length} binaries, man page, completions and SHA256SUMS in ${out} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    console.error(`release: ${(e as Error).message}`);
    process.exit(1);
  }
}
