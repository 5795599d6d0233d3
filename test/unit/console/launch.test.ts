import { describe, expect, test } from "bun:test";
import { browserLauncher, splitWords } from "../../../src/console/launch.ts";
import { UsageError } from "../../../src/errors.ts";

const PAGE = "file:///tmp/sesame-console-abc/sign-in.html";

describe("splitWords", () => {
  test("quotes and backslashes as a shell, nothing expanded", () => {
    expect(splitWords(`a "b c" 'd $e' f\\ g "h\\"i" $HOME \`x\``)).toEqual(["a", "b c", "d $e", "f g", 'h"i', "$HOME", "`x`"]);
    expect(splitWords(`  x   ''  `)).toEqual(["x", ""]);
    expect(() => splitWords(`"open`)).toThrow(UsageError);
  });
});

describe("browserLauncher", () => {
  test("templates build their commands around the page", () => {
    const LINK = "http://127.0.0.1:4000/0123456789abcdef0123456789abcdef";
    const ff = browserLauncher("firefox-container", "prod", {}, "linux");
    expect(ff.linkInArgv).toBe(true); // Firefox extensions cannot open file: URLs
    expect(ff.build(LINK)).toEqual({ cmd: "firefox", args: [`ext+container:name=prod&url=${encodeURIComponent(LINK)}`] });
    expect(browserLauncher("firefox-container:a b", "prod", {}, "darwin").build(LINK).cmd).toBe("open");
    const chromium = browserLauncher("chromium-profile:x", "prod", { XDG_DATA_HOME: "/tmp/sesame-launch-test" }, "linux");
    expect(chromium.linkInArgv).toBe(false);
    const c = chromium.build(PAGE);
    expect(c).toEqual({ cmd: "chromium", args: ["--user-data-dir=/tmp/sesame-launch-test/sesame/browser-profiles/x", "--no-first-run", PAGE] });
    expect(browserLauncher("brave --incognito {url}", "prod", {}).build(PAGE)).toEqual({ cmd: "brave", args: ["--incognito", PAGE] });
  });

  test("refused: no {url}, {url} as the command, names that leave the profile folder", () => {
    for (const bad of ["firefox", "{url}", "chrome-profile:../x", "chrome-profile:", "firefox-container:a/b"]) {
      expect(() => browserLauncher(bad, "prod", {})).toThrow(UsageError);
    }
  });
});
