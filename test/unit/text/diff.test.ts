import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unifiedDiff } from "../../../src/text/diff.ts";

test("no change, no output", () => {
  expect(unifiedDiff("a\nb\n", "a\nb\n", "x", "y")).toBe("");
});

test("an added block: headers, a hunk with three lines of context", () => {
  const before = "l1\nl2\nl3\nl4\nl5\n";
  const after = "l1\nl2\nl3\nl4\nl5\n\n[profile dev]\nregion = x\n";
  expect(unifiedDiff(before, after, "a/config", "b/config")).toBe(
    ["--- a/config", "+++ b/config", "@@ -3,3 +3,6 @@", " l3", " l4", " l5", "+", "+[profile dev]", "+region = x", ""].join("\n"),
  );
});

test("into an empty file: @@ -0,0", () => {
  expect(unifiedDiff("", "a\n", "/dev/null", "b")).toBe("--- /dev/null\n+++ b\n@@ -0,0 +1,1 @@\n+a\n");
});

test("removals print before additions, and distant changes get separate hunks", () => {
  const before = ["a", "old", "c", "d", "e", "f", "g", "h", "i", "j", "gone", ""].join("\n");
  const after = ["a", "new", "c", "d", "e", "f", "g", "h", "i", "j", ""].join("\n");
  const d = unifiedDiff(before, after, "x", "y");
  expect(d).toContain("@@ -1,5 +1,5 @@\n a\n-old\n+new\n c\n");
  expect(d).toContain("@@ -8,4 +8,3 @@\n h\n i\n j\n-gone\n");
});

test("a missing final newline is marked", () => {
  expect(unifiedDiff("a", "a\nb\n", "x", "y")).toBe("--- x\n+++ y\n@@ -1,1 +1,2 @@\n-a\n\\ No newline at end of file\n+a\n+b\n");
});

test.skipIf(!Bun.which("patch")).each([
  ["LF", "# c\n[default]\nregion = x\n\n[profile a]\nk = 1\n\n[profile b]\nk = 2\n", "# c\n[default]\nregion = x\n\n[profile b]\nk = 3\n\n[profile c]\nk = 4\n"],
  ["CRLF", "[default]\r\nregion = x\r\n\r\n[profile a]\r\nk = 1\r\n", "[default]\r\nregion = x\r\n\r\n[profile a]\r\nk = 2\r\n\r\n[profile b]\r\n"],
  ["no final newline", "[default]\nregion = x", "[default]\nregion = x\n\n[profile b]\n"],
])("patch(1) applies the diff and gets the new text (%s)", (_name, before, after) => {
  const dir = mkdtempSync(join(tmpdir(), "sesame-diff-"));
  const file = join(dir, "config");
  writeFileSync(file, before);
  const r = Bun.spawnSync(["patch", "--quiet", "--binary", file], { stdin: Buffer.from(unifiedDiff(before, after, file, file)) });
  expect(r.stderr.toString()).toBe("");
  expect(r.exitCode).toBe(0);
  expect(readFileSync(file, "utf8")).toBe(after);
});
