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
    expect(graph.some((m) => m.endsWith("src/catalog/memo.ts"))).toBe(true);
    // the catalog comes from its memo: the TOML parser and the validator load only when it must be parsed
    expect(graph.filter((m) => m === "smol-toml" || m.endsWith("src/catalog/validate.ts") || m.endsWith("src/catalog/parse.ts"))).toEqual([]);
  }
});

test("the chain module is heavy, proving the check can fail", () => {
  const graph = [...staticGraph("src/credentials/resolve.ts")];
  expect(graph.some((m) => m.endsWith("credentials/chain.ts"))).toBe(true);
});

test("the copy of STS's name rule on the warm path is the validator's", async () => {
  const copy = (await import("../../src/credentials/session-name.ts")).NOT_STS_NAME_CHAR;
  const rule = (await import("../../src/catalog/validate.ts")).NOT_STS_NAME_CHAR;
  expect([copy.source, copy.flags]).toEqual([rule.source, rule.flags]);
});
