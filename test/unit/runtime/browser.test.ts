// openBrowser (src/runtime/browser.ts) hands an opener only web and file addresses (issue 9 item 7).
import { expect, test } from "bun:test";
import { openBrowser } from "../../../src/runtime/browser.ts";

test("an option, a javascript: address or a URL with whitespace or control characters is never passed to an opener", () => {
  const env = { BROWSER: "/bin/true" };
  for (const bad of ["--renderer-cmd-prefix=touch /tmp/x", "-x", "javascript:alert(1)", "https://a.example/ x", "https://a.example/\x1b[2J", ""]) expect(openBrowser(bad, env)).toBe(false);
  expect(openBrowser("https://device.sso.eu-west-1.amazonaws.com/?user_code=A", env)).toBe(true);
  expect(openBrowser("file:///tmp/sesame-console-x/sign-in.html", env)).toBe(true);
});
