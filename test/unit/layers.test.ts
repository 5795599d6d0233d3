// Imports in src/ run one way: each module imports only from its own layer or a lower one, and nothing
// imports itself back through any path (static, dynamic or type-only). The order is written down in
// README.md ("Layout"); change both together.
import { expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Low to high. A prefix ending in "/" is a folder; anything else is one file. */
export const LAYERS: string[][] = [
  ["src/errors.ts", "src/types.ts", "src/version.ts", "src/log.ts", "src/tty.ts", "src/runtime/", "src/text/"],
  ["src/locations.ts"],
  ["src/output/"],
  ["src/catalog/"],
  ["src/store/"],
  ["src/aws/", "src/rolesanywhere/"],
  ["src/sso/", "src/signin/"],
  ["src/credentials/"],
  ["src/awsconfig/", "src/console/", "src/server/", "src/curl/"],
  ["src/commands/"],
  ["src/cli.ts", "src/main.ts"],
];

const ROOT = resolve(import.meta.dir, "../..");

function layerOf(file: string): number {
  const rel = relative(ROOT, file);
  const i = LAYERS.findIndex((l) => l.some((p) => (p.endsWith("/") ? rel.startsWith(p) : rel === p)));
  return i;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

// Type-only imports count too: the transpiler would drop them, so read the specifiers from the text.
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|import\s+["']([^"']+)["']/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (spec.startsWith(".")) out.push(resolve(dirname(file), spec));
  }
  return out;
}

const files = sources(join(ROOT, "src"));
const graph = new Map(files.map((f) => [f, importsOf(f)]));

test("every source file has a layer", () => {
  expect(files.filter((f) => layerOf(f) < 0).map((f) => relative(ROOT, f))).toEqual([]);
});

test("the walk sees type-only and dynamic imports", () => {
  const cp = graph.get(join(ROOT, "src/commands/credential-process.ts"))!.map((f) => relative(ROOT, f));
  expect(cp).toContain("src/credentials/resolve.ts"); // dynamic
  expect(cp).toContain("src/types.ts"); // type-only
});

test("no import runs against the layer order", () => {
  const bad: string[] = [];
  for (const [from, tos] of graph) {
    for (const to of tos) {
      if (layerOf(to) > layerOf(from)) bad.push(`${relative(ROOT, from)} -> ${relative(ROOT, to)}`);
    }
  }
  expect(bad).toEqual([]);
});

test("no circle, type-only imports included", () => {
  const circles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "open") {
      circles.push(stack.slice(stack.indexOf(f)).concat(f).map((x) => relative(ROOT, x)).join(" -> "));
      return;
    }
    state.set(f, "open");
    stack.push(f);
    for (const to of graph.get(f) ?? []) visit(to);
    stack.pop();
    state.set(f, "done");
  };
  for (const f of files) visit(f);
  expect(circles).toEqual([]);
});
