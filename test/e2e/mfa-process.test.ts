// Issue 14 part 3 through the compiled binary: mfa_process gives the MFA code; a chain asks once per
// resolution; a code is never sent to AWS twice (the emulator refuses reused codes as AWS does); a wrong,
// failing or hanging command fails in one line; the command gets the controlling terminal.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, DEV_ROLE, parseProcessOutput, runBinary, storeAliceKey, world, type World } from "./harness.ts";

const SERIAL = "arn:aws:iam::111111111111:mfa/alice";
const SCRIPT = "/usr/bin/script";
let w: World;
let codeFile: string;
let countFile: string;

beforeAll(async () => {
  w = await world("[defaults]\nregion = \"eu-west-1\"\n");
  codeFile = join(w.home, "code");
  countFile = join(w.home, "count");
  // prints the code the "device" shows, and counts its runs
  const cmd = `echo run >> '${countFile}'; cat '${codeFile}'`;
  w.writeCatalog(`
[defaults]
region = "eu-west-1"

[session.alice]
type = "iam-user"
mfa_serial = "${SERIAL}"
mfa_process = "${cmd}"

[session.dev]
type = "assume-role"
source = "alice"
role_arn = "${DEV_ROLE}"
mfa_serial = "${SERIAL}"
mfa_process = "${cmd}"

[session.junk]
type = "iam-user"
mfa_serial = "${SERIAL}"
mfa_process = "echo 'no code here'"

[session.failing]
type = "iam-user"
mfa_serial = "${SERIAL}"
mfa_process = "echo 'vault is locked' >&2; exit 2"

[session.hanging]
type = "iam-user"
mfa_serial = "${SERIAL}"
mfa_process = "sleep 30"

[session.touch]
type = "iam-user"
mfa_serial = "${SERIAL}"
mfa_process = "echo 'Touch your YubiKey' >&2; read code; echo \\"$code\\""
`);
  w.emu.addRole({ arn: DEV_ROLE, trust: [w.alice.arn], requireMfa: true });
  w.emu.state.oneTimeMfaCodes = true;
  await storeAliceKey(w);
  for (const s of ["junk", "failing", "hanging", "touch"]) {
    const r = await w.run(["secret", "set", s], { stdin: `${w.alice.accessKeyId}\n${w.alice.secretAccessKey}\n` });
    if (r.code !== 0) throw new Error(r.stderr);
  }
});
afterAll(() => w.stop());

function clearCache() {
  for (const f of readdirSync(w.cacheDir)) if (f.endsWith(".cred")) unlinkSync(join(w.cacheDir, f));
}
const runs = () => (existsSync(countFile) ? readFileSync(countFile, "utf8").trim().split("\n").length : 0);
function device(code: string) {
  w.emu.addMfaDevice(SERIAL, code);
  writeFileSync(codeFile, `${code}\n`);
}

describe("mfa_process", () => {
  test("the command's stdout is the code, asked once for the whole chain and sent to AWS once", async () => {
    device("271828");
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "dev"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    parseProcessOutput(r.stdout);
    expect(runs()).toBe(1);
    const gst = w.emu.callsFor("GetSessionToken");
    expect(gst).toHaveLength(1);
    expect(gst[0]!.params.TokenCode).toBe("271828");
    // the role needs MFA: the MFA session below carries it, the used code is not sent again
    const ar = w.emu.callsFor("AssumeRole");
    expect(ar).toHaveLength(1);
    expect(ar[0]!.params.TokenCode).toBeUndefined();
    expect(ar[0]!.status).toBe(200);
  });

  test("a code already sent to AWS is refused here, in one line, before AWS sees it again", async () => {
    clearCache();
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "alice"]);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("was already sent to AWS, which accepts a code once");
    expect(r.stderr).toContain("wait for the next code");
    expect(w.emu.callsFor("GetSessionToken")).toHaveLength(0);
  });

  test("the next code works", async () => {
    device("161803");
    const r = await w.run(["credential-process", "alice"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("a code AWS refuses: one line, exit 5", async () => {
    clearCache();
    writeFileSync(codeFile, "000000\n");
    const r = await w.run(["credential-process", "alice"]);
    expect(r.code).toBe(5);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("AccessDenied");
    expect(r.stderr).toContain("MFA code");
  });

  test("output without a 6-digit code, a failing command, a hanging command: one line each, exit 4", async () => {
    const junk = await w.run(["credential-process", "junk"]);
    expect(junk.code).toBe(4);
    expect(junk.stderr.trim().split("\n")).toHaveLength(1);
    expect(junk.stderr).toContain("printed no 6-digit code");
    const failing = await w.run(["credential-process", "failing"]);
    expect(failing.code).toBe(4);
    expect(failing.stderr.trim().split("\n")).toHaveLength(1);
    expect(failing.stderr).toContain("failed with exit status 2: vault is locked");
    const hanging = await w.run(["credential-process", "hanging"], { env: { SESAME_COMMAND_TIMEOUT: "1" } });
    expect(hanging.code).toBe(4);
    expect(hanging.stderr.trim().split("\n")).toHaveLength(1);
    expect(hanging.stderr).toContain("mfa_process of session \"hanging\" did not finish within 1 s");
  });

  test.skipIf(!existsSync(SCRIPT))("the command talks to the person on the controlling terminal (stdin and stderr)", async () => {
    device("141421");
    const out = join(w.home, "touch.json");
    w.emu.resetCalls();
    // `script` gives sesame a pty as its controlling terminal and types our stdin on it
    const r = await runBinary([SCRIPT, "-qec", `${BIN} credential-process touch > ${out} 2>/dev/null`, "/dev/null"], w.env, "141421\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Touch your YubiKey");
    parseProcessOutput(readFileSync(out, "utf8"));
    expect(w.emu.callsFor("GetSessionToken")[0]!.params.TokenCode).toBe("141421");
  });
});
