// Builds dist/sesame with `bun build --compile`: bytecode, minified, code splitting (so a cache hit never
// evaluates the AWS SDK), no .env/bunfig.toml autoload (a file in the user's folder must never change what
// a credential tool does), version baked in. `--single` (default) builds for this host; `--all` for every
// target in the table (needs each target's @napi-rs/keyring-* package: `npm install --os=* --cpu=*`).
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, mkdirSync } from "node:fs";

const TARGETS = ["bun-linux-x64", "bun-linux-arm64", "bun-darwin-x64", "bun-darwin-arm64", "bun-windows-x64"] as const;

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
let version = pkg.version;
try {
  version += "+" + execFileSync("git", ["rev-parse", "--short", "HEAD"], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
} catch { /* not a git checkout */ }

const all = process.argv.includes("--all");
const builds = all ? TARGETS.map((t) => ({ target: t, outfile: `dist/sesame-${t.slice(4)}` })) : [{ target: undefined, outfile: "dist/sesame" }];

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist", { recursive: true });
for (const b of builds) {
  const result = await Bun.build({
    entrypoints: ["src/main.ts"],
    compile: {
      ...(b.target ? { target: b.target } : {}),
      outfile: b.outfile,
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
    define: { SESAME_VERSION: JSON.stringify(version) },
  } as Parameters<typeof Bun.build>[0]);
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    process.exit(1);
  }
  console.error(`built ${b.outfile} (${version})`);
}
