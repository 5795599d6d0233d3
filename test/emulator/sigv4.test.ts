// The verifier against the official SigV4 test suite's known answers (aws-wire.md §8.1), then the rules
// `authenticate` adds on top of the bare signature check.
import { describe, expect, test } from "bun:test";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { authenticate, parseAuthorization, type SignedRequest, verifySignature } from "./sigv4.ts";
import { EmulatorState } from "./state.ts";

const SUITE_KEY = "AKIDEXAMPLE";
const SUITE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SUITE_DATE = "20150830T123600Z";
const scope = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

function suiteRequest(over: Partial<SignedRequest> & { signedHeaders: string; signature: string }): SignedRequest {
  const headers: Record<string, string> = {
    host: "example.amazonaws.com",
    "x-amz-date": SUITE_DATE,
    ...over.headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=${over.signedHeaders}, Signature=${over.signature}`,
  };
  return { method: over.method ?? "GET", path: over.path ?? "/", query: over.query ?? "", headers, body: over.body ?? new Uint8Array() };
}

// Known answers published with the AWS test suite (get-vanilla is the one recomputed in aws-wire.md §8.1).
const vanilla = suiteRequest({
  signedHeaders: "host;x-amz-date",
  signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
});
const formPost = suiteRequest({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new TextEncoder().encode("Param1=value1"),
  signedHeaders: "content-type;host;x-amz-date",
  signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
});
const postQuery = suiteRequest({
  method: "POST",
  query: "Param1=value1",
  signedHeaders: "host;x-amz-date",
  signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
});

describe("verifySignature: SigV4 test-suite known answers", () => {
  test("accepts get-vanilla, post-x-www-form-urlencoded and post-vanilla-query as published", async () => {
    expect(await verifySignature(vanilla, SUITE_SECRET)).toBe(true);
    expect(await verifySignature(formPost, SUITE_SECRET)).toBe(true);
    expect(await verifySignature(postQuery, SUITE_SECRET)).toBe(true);
  });

  test("refuses get-vanilla with one byte of a signed header changed", async () => {
    const tampered = { ...vanilla, headers: { ...vanilla.headers, host: "example.amazonaws.con" } };
    expect(await verifySignature(tampered, SUITE_SECRET)).toBe(false);
  });

  test("refuses a changed body, a changed query, a changed method and a wrong secret", async () => {
    expect(await verifySignature({ ...formPost, body: new TextEncoder().encode("Param1=value2") }, SUITE_SECRET)).toBe(false);
    expect(await verifySignature({ ...postQuery, query: "Param1=value2" }, SUITE_SECRET)).toBe(false);
    expect(await verifySignature({ ...vanilla, method: "POST" }, SUITE_SECRET)).toBe(false);
    expect(await verifySignature(vanilla, `${SUITE_SECRET.slice(0, -1)}X`)).toBe(false);
  });

  test("ignores headers the client did not sign, but refuses when a signed one is missing", async () => {
    const extra = { ...vanilla, headers: { ...vanilla.headers, "user-agent": "x", "x-extra": "added after signing" } };
    expect(await verifySignature(extra, SUITE_SECRET)).toBe(true);
    const { host: _host, ...noHost } = vanilla.headers;
    expect(await verifySignature({ ...vanilla, headers: noHost }, SUITE_SECRET)).toBe(false);
  });
});

describe("parseAuthorization", () => {
  test("splits credential scope, signed headers and signature", () => {
    expect(parseAuthorization(vanilla.headers.authorization!)).toEqual({
      accessKeyId: "AKIDEXAMPLE",
      date: "20150830",
      region: "us-east-1",
      service: "service",
      signedHeaders: ["host", "x-amz-date"],
      signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    });
  });

  test("reports a missing Signature as IncompleteSignature", () => {
    const parsed = parseAuthorization(`AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host`);
    expect(parsed).toMatchObject({ code: "IncompleteSignature", status: 400 });
  });
});

describe("authenticate", () => {
  /** A state whose clock reads the suite's signing time and which knows the suite's key. */
  function suiteState(): EmulatorState {
    const state = new EmulatorState();
    state.clock.freeze(new Date("2015-08-30T12:36:00Z"));
    state.addUser({ userName: "suite", accessKeyId: "AKIAEXAMPLESUITE0001", secretAccessKey: SUITE_SECRET });
    return state;
  }

  /** Signs a request for `service` with smithy, as a client would. */
  async function sign(opts: { key: string; secret: string; token?: string; service?: string; at?: Date; body?: string }) {
    const signer = new SignatureV4({
      service: opts.service ?? "sts",
      region: "eu-west-1",
      credentials: { accessKeyId: opts.key, secretAccessKey: opts.secret, ...(opts.token ? { sessionToken: opts.token } : {}) },
      sha256: Sha256,
    });
    const body = opts.body ?? "Action=GetCallerIdentity&Version=2011-06-15";
    const signed = await signer.sign(
      {
        method: "POST",
        protocol: "http:",
        hostname: "127.0.0.1",
        path: "/",
        query: {},
        headers: { host: "127.0.0.1:4566", "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        body,
      },
      { signingDate: opts.at ?? new Date("2015-08-30T12:36:00Z") },
    );
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
    return { method: "POST", path: "/", query: "", headers, body: new TextEncoder().encode(body) } satisfies SignedRequest;
  }

  test("accepts a correctly signed long-term call and identifies the user", async () => {
    const state = suiteState();
    const result = await authenticate(await sign({ key: "AKIAEXAMPLESUITE0001", secret: SUITE_SECRET }), state, "sts");
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.caller.identity.arn).toBe("arn:aws:iam::123456789012:user/suite");
  });

  test("refuses as AWS does: missing header, unknown key, wrong secret, wrong service", async () => {
    const state = suiteState();
    const good = await sign({ key: "AKIAEXAMPLESUITE0001", secret: SUITE_SECRET });
    const { authorization: _a, ...unsigned } = good.headers;
    const cases: [SignedRequest, string, number][] = [
      [{ ...good, headers: unsigned }, "MissingAuthenticationToken", 403],
      [await sign({ key: "AKIAUNKNOWNKEY000001", secret: SUITE_SECRET }), "InvalidClientTokenId", 403],
      [await sign({ key: "AKIAEXAMPLESUITE0001", secret: "wrong" }), "SignatureDoesNotMatch", 403],
      [await sign({ key: "AKIAEXAMPLESUITE0001", secret: SUITE_SECRET, service: "iam" }), "SignatureDoesNotMatch", 403],
    ];
    for (const [req, code, status] of cases) {
      const result = await authenticate(req, state, "sts");
      expect(result.ok ? "ok" : { code: result.error.code, status: result.error.status }).toEqual({ code, status });
    }
  });

  test("refuses a body altered after signing (x-amz-content-sha256 must be the body's hash)", async () => {
    const state = suiteState();
    const good = await sign({ key: "AKIAEXAMPLESUITE0001", secret: SUITE_SECRET });
    const altered = { ...good, body: new TextEncoder().encode("Action=GetSessionToken&Version=2011-06-15") };
    const result = await authenticate(altered, state, "sts");
    expect(result.ok ? "ok" : result.error.code).toBe("SignatureDoesNotMatch");
  });

  test("refuses X-Amz-Date more than 15 minutes away with AWS's 'Signature expired' wording", async () => {
    const state = suiteState();
    const req = await sign({ key: "AKIAEXAMPLESUITE0001", secret: SUITE_SECRET, at: new Date("2015-08-30T12:20:59Z") });
    const result = await authenticate(req, state, "sts");
    expect(result.ok ? "ok" : result.error).toEqual({
      code: "SignatureDoesNotMatch",
      status: 403,
      type: "Sender",
      message: "Signature expired: 20150830T122059Z is now earlier than 20150830T122100Z (20150830T123600Z - 15 min.)",
    });
    const inWindow = await sign({ key: "AKIAEXAMPLESUITE0001", secret: SUITE_SECRET, at: new Date("2015-08-30T12:21:00Z") });
    expect((await authenticate(inWindow, state, "sts")).ok).toBe(true);
    const future = await sign({ key: "AKIAEXAMPLESUITE0001", secret: SUITE_SECRET, at: new Date("2015-08-30T12:51:01Z") });
    const ahead = await authenticate(future, state, "sts");
    expect(ahead.ok ? "ok" : ahead.error.message).toStartWith("Signature not yet current: 20150830T125101Z");
  });

  test("temporary keys need their own session token and stop working at expiration", async () => {
    const state = suiteState();
    const user = state.accessKeys.get("AKIAEXAMPLESUITE0001")!.user;
    const temp = state.issueTemporary({
      identity: state.userIdentity(user),
      source: "session-token",
      durationSeconds: 900,
      chained: false,
      mfaAuthenticated: false,
    });
    const code = async (token: string | undefined) => {
      const req = await sign({ key: temp.accessKeyId, secret: temp.secretAccessKey, ...(token ? { token } : {}), at: state.now() });
      const r = await authenticate(req, state, "sts");
      return r.ok ? "ok" : r.error.code;
    };
    expect(await code(temp.sessionToken)).toBe("ok");
    expect(await code(undefined)).toBe("InvalidClientTokenId");
    expect(await code(`${temp.sessionToken}x`)).toBe("InvalidClientTokenId");
    state.clock.advance(900);
    expect(await code(temp.sessionToken)).toBe("ExpiredToken");
  });
});
