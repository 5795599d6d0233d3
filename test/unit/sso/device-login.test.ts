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
    startDeviceAuthorization: async () => ({ deviceCode: "dc", userCode: "ABCD-EFGH", verificationUri: "https://v", verificationUriComplete: "https://v?c=ABCD-EFGH", expiresIn, interval: 2 }),
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
  expect(opened).toEqual(["https://v?c=ABCD-EFGH"]);
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
