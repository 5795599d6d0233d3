// The warm credential-process path must not load the AWS SDK, cac, the keyring addon or node:crypto:
// walk the static import graph from the entry (dynamic import() edges are the lazy ones and are not followed).
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

const transpiler = new Bun.Transpiler({ loader: "ts" });

function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imp of transpiler.scanImports(readFileSync(file, "utf8"))) {
      if (imp.kind !== "import-statement") continue;
      if (imp.path.startsWith(".")) walk(resolve(dirname(file), imp.path));
      else seen.add(imp.path);
    }
  };
  walk(resolve(entry));
  return seen;
}

// node:fs, node:os and node:path too: each costs measurable start-up in a compiled binary (docs/performance.md).
const FORBIDDEN = [/^@aws-sdk\//, /^@smithy\//, /^cac$/, /^@napi-rs\/keyring/, /^(node:)?(crypto|fs|os|path|child_process)$/, /\/cli\.ts$/, /\/credentials\/chain\.ts$/, /\/aws\/sts\.ts$/];

test.each(["src/main.ts", "src/commands/credential-process.ts"])("%s statically imports nothing heavy", (entry) => {
  const graph = [...staticGraph(entry)];
  const bad = graph.filter((m) => FORBIDDEN.some((re) => re.test(m)));
  expect(bad).toEqual([]);
  // and the walk really covered the hot path
  if (entry.endsWith("credential-process.ts")) {
    expect(graph.some((m) => m.endsWith("src/store/cache.ts"))).toBe(true);
    expect(graph).toContain("smol-toml");
  }
});

test("the chain module is heavy, proving the check can fail", () => {
  const graph = [...staticGraph("src/credentials/resolve.ts")];
  expect(graph.some((m) => m.endsWith("credentials/chain.ts"))).toBe(true);
});
