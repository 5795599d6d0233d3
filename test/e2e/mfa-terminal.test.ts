// MFA codes are read from the controlling terminal (SDKs hide a credential process's stderr), here a
// pseudo-terminal made by util-linux `script`; stdout still carries only the JSON.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, CHAIN_CATALOG, parseProcessOutput, runBinary, storeAliceKey, world, type World } from "./harness.ts";

const SCRIPT = "/usr/bin/script";
let w: World;
beforeAll(async () => {
  w = await world(CHAIN_CATALOG.replace('[session.alice]\ntype = "iam-user"', '[session.alice]\ntype = "iam-user"\nmfa_serial = "arn:aws:iam::111111111111:mfa/alice"'));
  w.emu.addMfaDevice("arn:aws:iam::111111111111:mfa/alice", "314159");
  await storeAliceKey(w);
});
afterAll(() => w.stop());

test.skipIf(!existsSync(SCRIPT))("the MFA code typed on the terminal reaches GetSessionToken, once for the whole chain", async () => {
  const out = join(w.home, "out.json");
  w.emu.resetCalls();
  // `script` gives the command a pty as its controlling terminal and feeds it our stdin.
  const r = await runBinary([SCRIPT, "-qec", `${BIN} credential-process prod > ${out}`, "/dev/null"], w.env, "314159\n");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("MFA code for arn:aws:iam::111111111111:mfa/alice");
  const creds = parseProcessOutput(readFileSync(out, "utf8"));
  expect(creds.AccessKeyId).toStartWith("ASIA");
  const gst = w.emu.callsFor("GetSessionToken");
  expect(gst).toHaveLength(1);
  expect(gst[0]!.params.SerialNumber).toBe("arn:aws:iam::111111111111:mfa/alice");
  expect(gst[0]!.params.TokenCode).toBe("314159");
  // the MFA session is cached: the next call needs no terminal at all
  w.emu.resetCalls();
  const again = await w.run(["credential-process", "dev"]);
  expect(again.code).toBe(0);
  expect(w.emu.callsFor("GetSessionToken")).toHaveLength(0);
});

test.skipIf(!existsSync(SCRIPT))("a wrong MFA code is AWS's refusal, exit 5", async () => {
  const out = join(w.home, "out2.json");
  const r = await runBinary([SCRIPT, "-qec", `${BIN} credential-process alice --no-cache > ${out}; echo "status=$?"`, "/dev/null"], w.env, "000000\n");
  expect(r.stdout).toContain("status=5");
  expect(r.stdout).toContain("AccessDenied");
  expect(readFileSync(out, "utf8")).toBe("");
});
