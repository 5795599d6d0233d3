import { describe, expect, test } from "bun:test";
import { applyEnv, credentialEnv, fishQuote, psQuote, renderEnv, shQuote } from "../../../src/output/shell-env.ts";

const creds = { accessKeyId: "ASIAEXAMPLE1234567", secretAccessKey: "se/cr+et", sessionToken: "tok==", expiration: new Date("2030-01-02T03:04:05.678Z") };
const NASTY = `it's "quoted" $HOME \`id\` \\ back\\'slash ; rm -rf / # é`;

describe("credentialEnv", () => {
  test("every variable, expiration without milliseconds, region twice", () => {
    expect(credentialEnv(creds, "eu-west-1")).toEqual({
      set: [
        ["AWS_ACCESS_KEY_ID", "ASIAEXAMPLE1234567"],
        ["AWS_SECRET_ACCESS_KEY", "se/cr+et"],
        ["AWS_SESSION_TOKEN", "tok=="],
        ["AWS_CREDENTIAL_EXPIRATION", "2030-01-02T03:04:05Z"],
        ["AWS_REGION", "eu-west-1"],
        ["AWS_DEFAULT_REGION", "eu-west-1"],
      ],
      unset: ["AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"],
    });
  });

  test("no token or expiration: an outer one must not pair with these keys; no region: none is set", () => {
    const e = credentialEnv({ accessKeyId: "AKIAEXAMPLE1234567", secretAccessKey: "s" }, undefined);
    expect(e.set.map(([k]) => k)).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    expect(e.unset).toEqual(["AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"]);
  });

  test("applyEnv drops the unset names and overrides the rest", () => {
    const out = applyEnv({ AWS_PROFILE: "x", AWS_SESSION_TOKEN: "stale", PATH: "/bin", EMPTY: undefined }, credentialEnv({ accessKeyId: "A", secretAccessKey: "B" }, "us-east-1"));
    expect(out).toEqual({ PATH: "/bin", AWS_ACCESS_KEY_ID: "A", AWS_SECRET_ACCESS_KEY: "B", AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: "us-east-1" });
  });
});

describe("quoting", () => {
  test("sh: single quotes, a quote becomes '\\''", () => {
    expect(shQuote("a'b")).toBe(`'a'\\''b'`);
    expect(shQuote("$x")).toBe(`'$x'`);
  });
  test("fish: backslash and quote escaped inside single quotes", () => {
    expect(fishQuote(`a'b\\c`)).toBe(`'a\\'b\\\\c'`);
  });
  test("powershell: a quote is doubled, typographic ones too", () => {
    expect(psQuote("a'b")).toBe(`'a''b'`);
    expect(psQuote("a\u2019b")).toBe(`'a\u2019\u2019b'`);
    expect(psQuote("$Env:X")).toBe(`'$Env:X'`);
  });
});

test("output shape of each shell", () => {
  expect(renderEnv({ set: [["A", "x'y"]], unset: ["P", "Q"] }, "sh")).toBe(`export A='x'\\''y'\nunset P Q\n`);
  expect(renderEnv({ set: [["A", "x"]], unset: ["P"] }, "fish")).toBe(`set -gx A 'x'\nset -e P\n`);
  expect(renderEnv({ set: [["A", "x"]], unset: ["P"] }, "powershell")).toBe(`$Env:A = 'x'\nRemove-Item Env:P -ErrorAction SilentlyContinue\n`);
});

// The real shells read the values back exactly, however hostile.
const change = { set: [["SESAME_T1", NASTY], ["SESAME_T2", "plain"]] as [string, string][], unset: ["SESAME_GONE"] };

test("sh evaluates the exports to the exact values and unsets the rest", () => {
  const script = `${renderEnv(change, "sh")}printf '%s\\n%s\\n%s\\n' "$SESAME_T1" "$SESAME_T2" "\${SESAME_GONE-unset}"`;
  const r = Bun.spawnSync(["sh", "-c", script], { env: { PATH: process.env.PATH ?? "/bin", SESAME_GONE: "x" } });
  expect(r.stdout.toString()).toBe(`${NASTY}\nplain\nunset\n`);
});

test.skipIf(!Bun.which("fish"))("fish evaluates the statements to the exact values", () => {
  const script = `${renderEnv(change, "fish")}printf '%s\\n' "$SESAME_T1" "$SESAME_T2"; set -q SESAME_GONE; or echo unset`;
  const r = Bun.spawnSync(["fish", "--no-config", "-c", script], { env: { PATH: process.env.PATH ?? "/bin", SESAME_GONE: "x" } });
  expect(r.stdout.toString()).toBe(`${NASTY}\nplain\nunset\n`);
});

test.skipIf(!Bun.which("pwsh"))("PowerShell evaluates the statements to the exact values", () => {
  const script = `${renderEnv(change, "powershell")}Write-Output $Env:SESAME_T1; Write-Output ([bool]$Env:SESAME_GONE)`;
  const r = Bun.spawnSync(["pwsh", "-NoProfile", "-Command", script], { env: { PATH: process.env.PATH ?? "/bin", SESAME_GONE: "x" } });
  expect(r.stdout.toString().replace(/\r\n/g, "\n")).toBe(`${NASTY}\nFalse\n`);
});
