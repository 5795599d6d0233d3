// Pure parts of the Sign-In OAuth emulation: the DPoP key thumbprint, the cross-device verification code, the
// settings, console identities, and the test-side answer on the authorize page.
import { describe, expect, test } from "bun:test";
import {
  CROSS_DEVICE_CLIENT_ID,
  completeLogin,
  DEFAULT_LOGIN_SESSION,
  EmulatorState,
  jwkThumbprint,
  LOGIN_DEFAULTS,
  parseVerificationCode,
  SAME_DEVICE_CLIENT_ID,
  verificationCode,
  verificationCodeFor,
} from "./index.ts";

const EMU = "http://127.0.0.1:4567";
const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

function authorizeQuery(clientId: string, redirectUri: string): string {
  const q = new URLSearchParams({ response_type: "code", client_id: clientId, state: "st-1", code_challenge_method: "SHA-256", scope: "openid", redirect_uri: redirectUri });
  return `/v1/authorize?${q}&code_challenge=${CHALLENGE}`;
}

describe("jwkThumbprint", () => {
  test("matches RFC 9449's example jkt", () => {
    const jwk = { kty: "EC", x: "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs", y: "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA", crv: "P-256" };
    expect(jwkThumbprint(jwk)).toBe("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
  });
});

describe("verification code", () => {
  test("is standard base64 of state=…&code=… and parses back", () => {
    const text = verificationCode("3f2c-uuid", "abc_DEF-123");
    expect(Buffer.from(text, "base64").toString("utf8")).toBe("state=3f2c-uuid&code=abc_DEF-123");
    expect(parseVerificationCode(text)).toEqual({ state: "3f2c-uuid", code: "abc_DEF-123" });
    expect(verificationCodeFor(`${EMU}/v1/sessions/confirmation?code=abc_DEF-123&state=3f2c-uuid`)).toBe(text);
    expect(parseVerificationCode(Buffer.from("state=only").toString("base64"))).toBeUndefined();
  });
});

describe("settings", () => {
  test("defaults and validation as a whole", () => {
    const state = new EmulatorState();
    expect(state.signin.config()).toEqual({ ...LOGIN_DEFAULTS });
    expect(() => state.signin.configure({ reuseGraceSeconds: 5, credentialSeconds: 901 })).toThrow("credentialSeconds");
    expect(state.signin.reuseGraceSeconds).toBe(0);
    expect(() => state.signin.configure({ bogus: 1 } as never)).toThrow("unknown signin setting");
    state.signin.configure({ sessionLifetimeSeconds: 60 });
    expect(state.signin.sessionLifetimeSeconds).toBe(60);
  });
});

describe("console identities", () => {
  test("an absent IAM user is created without keys; an assumed-role ARN gets a role trusting nobody", () => {
    const state = new EmulatorState();
    const user = state.signin.identityFor(DEFAULT_LOGIN_SESSION);
    expect(user).toMatchObject({ kind: "user", arn: DEFAULT_LOGIN_SESSION, account: "123456789012" });
    expect(state.users.get(DEFAULT_LOGIN_SESSION)?.userId).toBe(user.userId);
    expect(state.accessKeys.size).toBe(0);
    expect(state.signin.identityFor(DEFAULT_LOGIN_SESSION).userId).toBe(user.userId);
    const role = state.signin.identityFor("arn:aws:sts::111122223333:assumed-role/Admin/alice");
    expect(role).toMatchObject({ kind: "assumed-role", arn: "arn:aws:sts::111122223333:assumed-role/Admin/alice", principalArn: "arn:aws:iam::111122223333:role/Admin" });
    expect(state.roles.get("arn:aws:iam::111122223333:role/Admin")?.trust).toEqual([]);
    expect(() => state.signin.identityFor("arn:aws:iam::123456789012:role/NotAConsoleIdentity")).toThrow("not a console identity");
  });
});

describe("completeLogin", () => {
  test("takes a path of the emulator; cross-device redirects to the emulator's own confirmation page", () => {
    const state = new EmulatorState();
    const confirmation = `${EMU}/v1/sessions/confirmation`;
    const redirect = new URL(completeLogin(state.signin, authorizeQuery(CROSS_DEVICE_CLIENT_ID, confirmation), EMU));
    expect(`${redirect.origin}${redirect.pathname}`).toBe(confirmation);
    expect(redirect.searchParams.get("state")).toBe("st-1");
    const code = state.signin.authCodes.get(redirect.searchParams.get("code")!)!;
    expect(code).toMatchObject({ clientId: CROSS_DEVICE_CLIENT_ID, redirectUri: confirmation, codeChallenge: CHALLENGE, loginSession: DEFAULT_LOGIN_SESSION });
    expect(() => completeLogin(state.signin, authorizeQuery(CROSS_DEVICE_CLIENT_ID, "http://127.0.0.1:1/v1/sessions/confirmation"), EMU)).toThrow(
      "redirect_uri is not allowed",
    );
  });

  test("a loginSession that is no console identity fails the test's call, not the later exchange", () => {
    const state = new EmulatorState();
    const url = authorizeQuery(SAME_DEVICE_CLIENT_ID, "http://localhost:8123/oauth/callback");
    expect(() => completeLogin(state.signin, url, EMU, { loginSession: "alice" })).toThrow("not a console identity");
    expect(state.signin.authCodes.size).toBe(0);
  });
});
