// Pure pieces of the command-line surface: the terminal sanitizer, "did you mean", the passwd lookup.
import { describe, expect, test } from "bun:test";
import { forTerminal, forTerminalBlock } from "../../src/output/sanitize.ts";
import { closest, nearest } from "../../src/catalog/suggest.ts";
import { userInPasswd } from "../../src/credentials/session-name.ts";

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

describe("did you mean", () => {
  test("a typo finds its name; a stranger finds none", () => {
    expect(closest("lst", ["list", "login", "logout"])).toBe("list");
    expect(closest("prd", ["alice", "dev", "prod"])).toBe("prod");
    expect(closest("zzzzzzzz", ["alice", "dev", "prod"])).toBeUndefined();
  });
  test("nearest: the n closest, nearest first", () => {
    expect(nearest("team-b", ["zeta", "team-a", "team-bb", "alpha"], 2)).toEqual(["team-a", "team-bb"]);
  });
});

describe("userInPasswd", () => {
  const passwd = "# comment\nroot:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:10000:10000::/home/bob:/bin/sh\n";
  test("the entry of that uid, not a prefix match", () => {
    expect(userInPasswd(passwd, 1000)).toBe("alice");
    expect(userInPasswd(passwd, 10000)).toBe("bob");
    expect(userInPasswd(passwd, 0)).toBe("root");
    expect(userInPasswd(passwd, 100)).toBeUndefined();
  });
});
