// Issue 14 part 4 through the compiled binary: an assume-role whose source is an iam-user and whose
// duration_seconds exceeds 1 hour is assumed directly with the user's key (STS caps roles assumed with
// temporary credentials at 1 hour), with MFA when mfa_serial is set; deeper chains keep the per-hop path.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseProcessOutput, storeAliceKey, world, type World } from "./harness.ts";

const LONG_ROLE = "arn:aws:iam::222222222222:role/Long";
const NEXT_ROLE = "arn:aws:iam::333333333333:role/Next";
const USER_MFA = "arn:aws:iam::111111111111:mfa/alicem";
const ROLE_MFA = "arn:aws:iam::111111111111:mfa/role";
let w: World;

beforeAll(async () => {
  w = await world(`
[defaults]
region = "eu-west-1"

[session.alice]
type = "iam-user"

[session.alicem]
type = "iam-user"
mfa_serial = "${USER_MFA}"
mfa_process = "echo 123456"

[session.long]
type = "assume-role"
source = "alice"
role_arn = "${LONG_ROLE}"
duration_seconds = 43200

[session.next]
type = "assume-role"
source = "long"
role_arn = "${NEXT_ROLE}"

[session.long-user-mfa]
type = "assume-role"
source = "alicem"
role_arn = "${LONG_ROLE}"
duration_seconds = 28800

[session.long-role-mfa]
type = "assume-role"
source = "alice"
role_arn = "${LONG_ROLE}"
duration_seconds = 14400
mfa_serial = "${ROLE_MFA}"
mfa_process = "echo 654321"
`);
  w.emu.addRole({ arn: LONG_ROLE, trust: [w.alice.arn], maxSessionDuration: 43200 });
  w.emu.addRole({ arn: NEXT_ROLE, trust: [LONG_ROLE] });
  w.emu.addMfaDevice(ROLE_MFA, "654321");
  w.emu.state.oneTimeMfaCodes = true;
  await storeAliceKey(w);
  const r = await w.run(["secret", "set", "alicem"], { stdin: `${w.alice.accessKeyId}\n${w.alice.secretAccessKey}\n` });
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(() => w.stop());

const hours = (iso: string) => (Date.parse(iso) - Date.now()) / 3600_000;

describe("roles for 12 hours from an IAM user", () => {
  test("assumed directly with the user's key: no GetSessionToken, DurationSeconds 43200, 12-hour credentials", async () => {
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "long"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = parseProcessOutput(r.stdout);
    expect(out.AccessKeyId).toStartWith("ASIA");
    expect(out.AccessKeyId).not.toBe(w.alice.accessKeyId); // the long-term key never leaves sesame
    expect(r.stdout).not.toContain(w.alice.secretAccessKey);
    expect(hours(out.Expiration)).toBeGreaterThan(11.9);
    expect(w.emu.callsFor("GetSessionToken")).toHaveLength(0);
    const ar = w.emu.callsFor("AssumeRole");
    expect(ar).toHaveLength(1);
    expect(ar[0]!.accessKeyId).toBe(w.alice.accessKeyId);
    expect(ar[0]!.params.DurationSeconds).toBe("43200");
    expect(ar[0]!.status).toBe(200);
  });

  test("list shows the 12-hour expiry", async () => {
    const r = await w.run(["list", "--json"]);
    const row = (JSON.parse(r.stdout) as { name: string; state: string; expiration: string }[]).find((x) => x.name === "long")!;
    expect(row.state).toBe("cached");
    expect(hours(row.expiration)).toBeGreaterThan(11.9);
  });

  test("a role chained above it keeps the per-hop path (signed by the long role's credentials, 1 hour)", async () => {
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "next"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const ar = w.emu.callsFor("AssumeRole");
    expect(ar).toHaveLength(1); // "long" came from the cache
    expect(ar[0]!.params.RoleArn).toBe(NEXT_ROLE);
    expect(ar[0]!.accessKeyId).toStartWith("ASIA");
    expect(hours(parseProcessOutput(r.stdout).Expiration)).toBeLessThanOrEqual(1);
  });

  test("the user's mfa_serial goes on the AssumeRole call itself", async () => {
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "long-user-mfa"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(w.emu.callsFor("GetSessionToken")).toHaveLength(0);
    const ar = w.emu.callsFor("AssumeRole");
    expect(ar[0]!.params.SerialNumber).toBe(USER_MFA);
    expect(ar[0]!.params.TokenCode).toBe("123456");
    expect(ar[0]!.params.DurationSeconds).toBe("28800");
  });

  test("the role's own mfa_serial wins", async () => {
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "long-role-mfa"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const ar = w.emu.callsFor("AssumeRole");
    expect(ar[0]!.params.SerialNumber).toBe(ROLE_MFA);
    expect(ar[0]!.params.TokenCode).toBe("654321");
  });

  test("above the role's maximum: AWS's refusal in one line", async () => {
    w.emu.addRole({ arn: LONG_ROLE, trust: [w.alice.arn], maxSessionDuration: 3600 });
    const r = await w.run(["credential-process", "long", "--no-cache"]);
    expect(r.code).toBe(5);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("MaxSessionDuration");
  });
});
