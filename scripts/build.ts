// Builds dist/sesame for this machine with `bun build --compile`, and holds the compile options that every
// sesame binary shares (this build, the release builds of scripts/release.ts, the bench's floor program):
// bytecode, minified, code splitting (so a cache hit never evaluates the AWS SDK), no .env/bunfig.toml
// autoload (a file in the user's folder must never change what a credential tool does), version, commit and
// target baked in. Release binaries for every platform: `npm run release` (scripts/release.ts).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { BunPlugin } from "bun";

export const ROOT = resolve(import.meta.dir, "..");

type BuildConfig = Parameters<typeof Bun.build>[0];

export interface CompileOptions {
  entrypoint: string;
  outfile: string;
  /** A Bun cross-compile target ("bun-linux-arm64"); this machine's when absent. */
  target?: string;
  /** The Bun runtime to wrap (`--compile-executable-path`) instead of the one Bun downloads for the target. */
  executablePath?: string;
  /** Constants baked into the program (`define`), values already JSON. */
  define?: Record<string, string>;
  plugins?: BunPlugin[];
}

/** The one set of `Bun.build` options for a sesame binary (and the bench's floor, so the two compare fairly). */
export function compileOptions(o: CompileOptions): BuildConfig {
  return {
    entrypoints: [o.entrypoint],
    compile: {
      ...(o.target ? { target: o.target } : {}),
      ...(o.executablePath ? { executablePath: o.executablePath } : {}),
      outfile: o.outfile,
      autoloadDotenv: false,
      autoloadBunfig: false,
      // Most runs are a short credential-process: keep start-up code in the interpreter instead of
      // paying to JIT-compile it (measured with npm run bench: about -0.07x of the floor warm).
      jitPolicy: 1000,
    },
    bytecode: true,
    minify: true,
    splitting: true,
    format: "esm",
    sourcemap: "none",
    ...(o.define ? { define: o.define } : {}),
    ...(o.plugins ? { plugins: o.plugins } : {}),
  } as BuildConfig;
}

export interface Stamp {
  version: string;
  commit: string;
  target: string;
}

/** package.json's version and the checkout's short commit ("unknown" outside git; "+dirty" with local changes). */
export function versionStamp(target: string): Stamp {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
  let commit = "unknown";
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    commit = git("rev-parse", "--short=12", "HEAD");
    if (git("status", "--porcelain", "--untracked-files=no") !== "") commit += "+dirty";
  } catch { /* not a git checkout */ }
  return { version: pkg.version, commit, target };
}

/** The `define` block src/version.ts reads. */
export function stampDefine(s: Stamp): Record<string, string> {
  return { SESAME_VERSION: JSON.stringify(s.version), SESAME_COMMIT: JSON.stringify(s.commit), SESAME_TARGET: JSON.stringify(s.target) };
}

/** This machine's target name, in the release's naming (linux-x64, linux-arm64-musl, darwin-arm64, windows-x64). */
export function hostTarget(): string {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const musl = process.platform === "linux" && hostIsMusl();
  return `${os}-${process.arch}${musl ? "-musl" : ""}`;
}

function hostIsMusl(): boolean {
  try {
    return readFileSync("/usr/bin/ldd", "utf8").includes("musl");
  } catch {
    return existsSync(`/lib/ld-musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`) && !existsSync("/lib64/ld-linux-x86-64.so.2");
  }
}

/** Compiles one binary; throws with Bun's messages when the build fails. */
export async function compile(o: CompileOptions): Promise<void> {
  mkdirSync(dirname(o.outfile), { recursive: true });
  const result = await Bun.build(compileOptions(o));
  if (!result.success) throw new Error(`bun build failed for ${o.outfile}:\n${result.logs.map(String).join("\n")}`);
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  if (args.length) {
    console.error(`build: unexpected argument ${JSON.stringify(args[0])}: bun scripts/build.ts builds dist/sesame for this machine; npm run release builds every platform`);
    process.exit(2);
  }
  const outfile = join(ROOT, "dist", "sesame");
  // Only this build's own file: dist/release/ (npm run release) stays.
  rmSync(outfile, { force: true });
  const stamp = versionStamp(hostTarget());
  try {
    await compile({ entrypoint: join(ROOT, "src", "main.ts"), outfile, define: stampDefine(stamp) });
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
  console.error(`built dist/sesame (${stamp.version}, ${stamp.commit}, ${stamp.target})`);
}
