import { describe, expect, test } from "bun:test";
import { Clock, DEFAULT_MFA_CODE, EmulatorState } from "./state.ts";

describe("Clock", () => {
  test("a frozen clock stands still and moves only when advanced or set", () => {
    const clock = new Clock();
    clock.freeze(new Date("2024-01-01T12:00:00Z"));
    expect(clock.now().toISOString()).toBe("2024-01-01T12:00:00.000Z");
    expect(clock.advance(90).toISOString()).toBe("2024-01-01T12:01:30.000Z");
    clock.set(new Date("2030-06-01T00:00:00Z"));
    expect(clock.now().toISOString()).toBe("2030-06-01T00:00:00.000Z");
  });

  test("advance moves a running clock forward by the offset", () => {
    const clock = new Clock();
    clock.advance(3600);
    expect(clock.now().getTime() - Date.now()).toBeGreaterThan(3599 * 1000);
  });
});

describe("EmulatorState", () => {
  test("issued credentials expire after the requested duration, or the override, in whole seconds", () => {
    const state = new EmulatorState();
    state.clock.freeze(new Date("2024-01-01T12:00:00.750Z"));
    const key = state.addUser({ userName: "alice" });
    const identity = state.userIdentity(key.user);
    const issue = () => state.issueTemporary({ identity, source: "session-token", durationSeconds: 900, chained: false, mfaAuthenticated: false });
    expect(issue().expiration.toISOString()).toBe("2024-01-01T12:15:00.000Z");
    state.credentialLifetimeOverride = 5;
    const short = issue();
    expect(short.expiration.toISOString()).toBe("2024-01-01T12:00:05.000Z");
    expect(short.accessKeyId).toMatch(/^ASIA/);
    expect(state.temporaryCredentials.get(short.accessKeyId)).toBe(short);
  });

  test("a second key for the same user shares the user record", () => {
    const state = new EmulatorState();
    const a = state.addUser({ userName: "alice", account: "111122223333" });
    const b = state.addUser({ userName: "alice", account: "111122223333" });
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a.user).toBe(b.user);
    expect(() => state.addUser({ userName: "bob", accessKeyId: "ASIAXXXXXXXXXXXXXXXX" })).toThrow("start with AKIA");
  });

  test("roles: ARN parsed, path ignored in the name, session limits validated", () => {
    const state = new EmulatorState();
    const role = state.addRole({ arn: "arn:aws:iam::111122223333:role/team/Deploy" });
    expect(role).toMatchObject({ name: "Deploy", account: "111122223333", maxSessionDuration: 3600, trust: "*", requireMfa: false });
    expect(state.assumedRoleIdentity(role, "ci").arn).toBe("arn:aws:sts::111122223333:assumed-role/Deploy/ci");
    expect(() => state.addRole({ arn: "arn:aws:iam::1:role/X" })).toThrow("invalid role ARN");
    expect(() => state.addRole({ arn: "arn:aws:iam::111122223333:role/X", maxSessionDuration: 50000 })).toThrow("3600–43200");
  });

  test("MFA: a registered device wants its code, any other serial the default code", () => {
    const state = new EmulatorState();
    state.addMfaDevice("arn:aws:iam::111122223333:mfa/alice", "654321");
    expect(state.mfaCodeMatches("arn:aws:iam::111122223333:mfa/alice", "654321")).toBe(true);
    expect(state.mfaCodeMatches("arn:aws:iam::111122223333:mfa/alice", DEFAULT_MFA_CODE)).toBe(false);
    expect(state.mfaCodeMatches("GAHT12345678", DEFAULT_MFA_CODE)).toBe(true);
    expect(state.mfaCodeMatches("GAHT12345678", "000000")).toBe(false);
  });
});
