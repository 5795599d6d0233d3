// The terminal sanitizer: untrusted text reaches a terminal only with its control characters made visible.
import { describe, expect, test } from "bun:test";
import { forTerminal, forTerminalBlock } from "../../../src/output/sanitize.ts";

describe("forTerminal", () => {
  test("C0, DEL, C1 and bidi controls become visible escapes; printable text is untouched", () => {
    expect(forTerminal("a\x1b[31mb\x07c\x7fd\x9be\u202Ef\u2066g")).toBe("a\\x1b[31mb\\x07c\\x7fd\\x9be\\u202ef\\u2066g");
    expect(forTerminal("line\nnext\tcol")).toBe("line\\x0anext\\x09col");
    expect(forTerminal("héllo — 東京 ✓")).toBe("héllo — 東京 ✓");
  });
  test("the block form keeps newlines and tabs", () => {
    expect(forTerminalBlock("a\n\tb\x1b]0;t\x07\r")).toBe("a\n\tb\\x1b]0;t\\x07\\x0d");
  });
});
