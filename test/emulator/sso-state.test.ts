// IAM Identity Center state without HTTP: PKCE, redirect-URI matching, tokens and sessions on a frozen clock,
// accounts and their IAM roles, settings and seeds.
import { describe, expect, test } from "bun:test";
import { applySeed } from "./seed.ts";
import { redirectUriMatches } from "./sso-oidc.ts";
import { s256 } from "./sso-state.ts";
import { EmulatorState } from "./state.ts";

function frozen(): EmulatorState {
  const state = new EmulatorState();
  state.clock.freeze(new Date("2024-01-01T12:00:00Z"));
  return state;
}

describe("PKCE and redirect URIs", () => {
  test("s256 is RFC 7636's S256 (the Appendix B example)", () => {
    expect(s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  test("a loopback URI registered without a port matches any port (RFC 8252 §7.3); others match exactly", () => {
    expect(redirectUriMatches("http://127.0.0.1/oauth/callback", "http://127.0.0.1:55555/oauth/callback")).toBe(true);
    expect(redirectUriMatches("http://127.0.0.1/oauth/callback", "http://127.0.0.1:55555/other")).toBe(false);
    expect(redirectUriMatches("http://127.0.0.1/oauth/callback", "http://localhost:55555/oauth/callback")).toBe(false);
    expect(redirectUriMatches("http://127.0.0.1:8080/cb", "http://127.0.0.1:9090/cb")).toBe(false);
    expect(redirectUriMatches("https://app.example/cb", "https://app.example/cb")).toBe(true);
    expect(redirectUriMatches("https://app.example/cb", "https://app.example:8443/cb")).toBe(false);
  });
});

describe("SsoState", () => {
  test("sessions: tokens expire on the emulator clock, refresh tokens end with the session, logout revokes the session", () => {
    const state = frozen();
    const sso = state.sso;
    const client = sso.registerClient({ clientName: "c", clientType: "public", scopes: ["sso:account:access"] });
    expect(client.secretExpiresAt.toISOString()).toBe("2024-03-31T12:00:00.000Z");
    const first = sso.signIn(client, "alice", client.scopes);
    expect(first.accessToken.expiresAt.toISOString()).toBe("2024-01-01T13:00:00.000Z");
    expect(first.refreshToken!.expiresAt.toISOString()).toBe("2024-01-01T20:00:00.000Z");

    state.clock.advance(3600);
    expect(sso.usableAccessToken(first.accessToken.token)).toBeUndefined();
    const second = sso.refresh(client, sso.usableRefreshToken(first.refreshToken!.token, client.clientId)!);
    expect(second.refreshToken!.expiresAt).toEqual(first.refreshToken!.expiresAt); // rotation does not extend the session
    expect(sso.usableRefreshToken(first.refreshToken!.token, client.clientId)).toBeUndefined();

    const other = sso.signIn(client, "bob", client.scopes);
    sso.logout(second.accessToken);
    expect(sso.usableAccessToken(second.accessToken.token)).toBeUndefined();
    expect(sso.usableRefreshToken(second.refreshToken!.token, client.clientId)).toBeUndefined();
    expect(sso.usableAccessToken(other.accessToken.token)).toBeDefined();

    expect(sso.expireAccessTokens()).toBe(1);
    expect(sso.expireRefreshTokens()).toBe(1);
    expect(sso.expireAccessTokens()).toBe(0);
  });

  test("device user codes are looked up the way users type them", () => {
    const sso = frozen().sso;
    const client = sso.registerClient({ clientName: "c", clientType: "public" });
    const device = sso.startDeviceAuthorization(client, "https://d-1234567890.awsapps.com/start");
    expect(sso.findDevice(device.userCode.toLowerCase().replace("-", " "))).toBe(device);
    expect(() => sso.approveDevice("ZZZZ-ZZZZ")).toThrow(/no device authorization/);
    expect(() => sso.approveDevice(device.userCode, { userName: "has space" })).toThrow(/invalid user name/);
    expect(sso.approveDevice(device.userCode).userName).toBe("sso-user");
  });

  test("accounts provision a stable AWSReservedSSO_ role per permission set that AssumeRole cannot enter", () => {
    const state = frozen();
    state.sso.addAccount({ accountId: "111111111111", accountName: "dev", roles: ["ReadOnly", "ReadOnly", "Admin"] });
    expect(state.sso.accounts.get("111111111111")?.roles).toEqual(["ReadOnly", "Admin"]);
    const role = state.sso.iamRole("111111111111", "ReadOnly");
    expect(role.arn).toMatch(/^arn:aws:iam::111111111111:role\/aws-reserved\/sso\.amazonaws\.com\/AWSReservedSSO_ReadOnly_[0-9a-f]{16}$/);
    expect(role.name).toMatch(/^AWSReservedSSO_ReadOnly_[0-9a-f]{16}$/);
    expect(role.trust).toEqual([]);
    expect(state.sso.iamRole("111111111111", "ReadOnly").roleId).toBe(role.roleId);
    expect(state.sso.iamRole("222222222222", "ReadOnly").name).not.toBe(role.name);
    expect(() => state.sso.addAccount({ accountId: "12", accountName: "x", roles: [] })).toThrow(/invalid account id/);
    expect(() => state.sso.addAccount({ accountId: "333333333333", accountName: "x", roles: ["no spaces"] })).toThrow(/permission-set/);
  });

  test("configure validates everything before changing anything", () => {
    const sso = frozen().sso;
    expect(() => sso.configure({ pageSize: 5, deviceIntervalSeconds: 0 })).toThrow(/deviceIntervalSeconds/);
    expect(sso.config().pageSize).toBe(20);
    expect(() => sso.configure({ pageSize: 101 })).toThrow(/1–100/);
    sso.configure({ pageSize: 5, tokenLifetimeSeconds: 60, rotateRefreshTokens: false, userName: "dana" });
    expect(sso.config()).toMatchObject({ pageSize: 5, tokenLifetimeSeconds: 60, rotateRefreshTokens: false, userName: "dana" });
    sso.configure({ tokenLifetimeSeconds: null });
    expect(sso.config().tokenLifetimeSeconds).toBeNull();
  });

  test("a seed can assign SSO accounts and settings", () => {
    const state = new EmulatorState();
    applySeed(state, { sso: { pageSize: 3, accounts: [{ accountId: "444444444444", accountName: "seeded", roles: ["Dev"] }] } });
    expect(state.sso.pageSize).toBe(3);
    expect([...state.sso.accounts.keys()]).toEqual(["444444444444"]);
  });
});
