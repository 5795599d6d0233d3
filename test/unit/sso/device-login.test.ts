import { expect, test } from "bun:test";
import { deviceLogin } from "../../../src/sso/device-login.ts";
import { SsoOidcError, type SsoOidcAdapter, type TokenGrant } from "../../../src/aws/sso-types.ts";
import { NeedsInput } from "../../../src/errors.ts";
import type { SsoSessionDef } from "../../../src/catalog/types.ts";

const sso: SsoSessionDef = { name: "corp", sso_start_url: "https://x.awsapps.com/start", sso_region: "eu-west-1", sso_registration_scopes: ["sso:account:access"], auto_login: false, share_with_aws_cli: false };
const client = { clientId: "c", clientSecret: "s", expiresAt: Date.now() + 1e9, grantTypes: [], scopes: [] };

function fakeOidc(answers: (string | TokenGrant)[], expiresIn = 600) {
  const polls: number[] = [];
  const adapter: SsoOidcAdapter = {
    authorizeBase: () => "http://x",
    registerClient: async () => client,
    startDeviceAuthorization: async () => ({ deviceCode: "dc", userCode: "ABCD-EFGH", verificationUri: "https://device.sso.eu-west-1.amazonaws.com/", verificationUriComplete: "https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH", expiresIn, interval: 2 }),
    createToken: async () => {
      polls.push(polls.length);
      const a = answers.shift() ?? "authorization_pending";
      if (typeof a === "string") throw new SsoOidcError(a, a);
      return a;
    },
  };
  return { adapter, polls };
}

function recorder() {
  const lines: string[] = [];
  const sleeps: number[] = [];
  return { lines, sleeps, ui: { say: (l: string) => lines.push(l), waiting: () => () => {} }, sleep: async (ms: number) => void sleeps.push(ms) };
}

test("polls at the server's interval, 5 s longer after each slow_down, until approved", async () => {
  const grant = { accessToken: "at", expiresAt: Date.now() + 3600_000, refreshToken: "rt" };
  const { adapter } = fakeOidc(["authorization_pending", "authorization_pending", "slow_down", "authorization_pending", "slow_down", grant]);
  const r = recorder();
  const opened: string[] = [];
  const got = await deviceLogin(sso, client, adapter, { ui: r.ui, sleep: r.sleep, open: (u) => opened.push(u) });
  expect(got).toEqual(grant);
  // one attempt at once (no sleep), then sleeps: 2, 2, 7 (after slow_down), 7, 12
  expect(r.sleeps).toEqual([2000, 2000, 7000, 7000, 12000]);
  expect(r.lines.join("\n")).toContain("ABCD-EFGH");
  expect(opened).toEqual(["https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH"]);
});

test("an approval already given at the first attempt shows nothing", async () => {
  const grant = { accessToken: "at", expiresAt: Date.now() + 3600_000 };
  const { adapter } = fakeOidc([grant]);
  const r = recorder();
  expect(await deviceLogin(sso, client, adapter, { ui: r.ui, sleep: r.sleep })).toEqual(grant);
  expect(r.lines).toEqual([]);
});

test.each([
  ["expired_token", /expired before it was approved/],
  ["access_denied", /was denied/],
  ["invalid_client", /refused the sign-in.*invalid_client/],
])("%s ends the login with one clear line", async (code, message) => {
  const { adapter } = fakeOidc(["authorization_pending", code]);
  const r = recorder();
  const e = await deviceLogin(sso, client, adapter, { ui: r.ui, sleep: r.sleep }).then(() => undefined, (x) => x);
  expect(e).toBeInstanceOf(NeedsInput);
  expect((e as NeedsInput).toLine()).toMatch(message);
  expect((e as NeedsInput).toLine()).toContain("sesame login corp");
});

test("stops at the device code's lifetime even if the server never says expired", async () => {
  const { adapter, polls } = fakeOidc([], 0.001);
  const r = recorder();
  const e = await deviceLogin(sso, client, adapter, { ui: r.ui, sleep: async (ms) => { r.sleeps.push(ms); await new Promise((res) => setTimeout(res, 5)); } }).then(() => undefined, (x) => x);
  expect((e as NeedsInput).code).toBe("sso.login-expired");
  expect(polls.length).toBeLessThan(5);
});

test("verification URLs: https on AWS hosts, the start URL's host or the endpoint override; http only on the loopback override", async () => {
  const { checkVerificationUrl } = await import("../../../src/sso/verification-url.ts");
  const start = "https://my-org.example.com/start";
  for (const ok of ["https://device.sso.eu-west-1.amazonaws.com/?user_code=A", "https://d-123.awsapps.com/start/#/device?user_code=A", "https://ssoins-1.portal.eu-west-1.app.aws/device", "https://my-org.example.com/device"]) expect(checkVerificationUrl(ok, start, undefined)).toBe(ok);
  expect(checkVerificationUrl("http://127.0.0.1:9/device", start, "http://127.0.0.1:9")).toBe("http://127.0.0.1:9/device");
  expect(checkVerificationUrl("http://127.0.0.1:10/device", start, "http://127.0.0.1:9")).toBeUndefined();
  for (const bad of ["--renderer-cmd-prefix=x", "http://device.sso.eu-west-1.amazonaws.com/", "https://evil.example/", "https://amazonaws.com.evil.example/", "http://127.0.0.1:9/device", "file:///etc/passwd", "javascript:alert(1)", "https://u:p@d-1.awsapps.com/"]) {
    expect(checkVerificationUrl(bad, start, undefined)).toBeUndefined();
  }
});
