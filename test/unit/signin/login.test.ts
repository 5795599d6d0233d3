// The pure parts of an aws-login sign-in: the pasted cross-device code, the identity in the id token, the
// hop margins of 15-minute credentials, and the DPoP proof's shape.
import { describe, expect, test } from "bun:test";
import { createPublicKey, verify } from "node:crypto";
import { verificationCode } from "../../../src/signin/login.ts";
import { loginSessionOf } from "../../../src/signin/id-token.ts";
import { hopMargins, type Session } from "../../../src/catalog/types.ts";
import { dpopProof, newDpopKey } from "../../../src/aws/dpop.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const jwt = (payload: unknown) => `e30.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.sig`;

describe("the pasted verification code", () => {
  test("base64 of state=…&code=… with this sign-in's state gives the code", () => {
    expect(verificationCode(b64("state=abc&code=XYZ"), "abc", "web")).toBe("XYZ");
    expect(verificationCode(`  ${b64("code=XYZ&state=abc")}\n`, "abc", "web")).toBe("XYZ");
  });
  test("another sign-in's state, no code, or not a code at all is refused", () => {
    expect(() => verificationCode(b64("state=other&code=XYZ"), "abc", "web")).toThrow(/belongs to another sign-in/);
    expect(() => verificationCode(b64("state=abc"), "abc", "web")).toThrow(/holds no code/);
    expect(() => verificationCode("not a code!", "abc", "web")).toThrow(/not a code/);
    expect(() => verificationCode("", "abc", "web")).toThrow(/not a code/);
  });
});

describe("the identity in the id token", () => {
  test("an IAM user, an assumed role, the root user", () => {
    for (const sub of ["arn:aws:iam::123456789012:user/alice", "arn:aws:sts::123456789012:assumed-role/Admin/alice", "arn:aws:iam::123456789012:root"]) {
      expect(loginSessionOf(jwt({ sub }))).toBe(sub);
    }
  });
  test("anything else is not taken (it names a keyring item and a file)", () => {
    expect(loginSessionOf(jwt({ sub: "arn:aws:iam::123456789012:role/R" }))).toBeUndefined();
    expect(loginSessionOf(jwt({ sub: "../../etc/passwd" }))).toBeUndefined();
    expect(loginSessionOf(jwt({}))).toBeUndefined();
    expect(loginSessionOf("garbage")).toBeUndefined();
    expect(loginSessionOf(undefined)).toBeUndefined();
  });
});

describe("hop margins", () => {
  const d = { refreshMargin: 900, renewFloor: 300 };
  test("aws-login: renewed with 5 minutes left, in the background down to 1 minute", () => {
    expect(hopMargins({ name: "w", type: "aws-login", share_with_aws_cli: false }, d)).toEqual({ refreshMargin: 300, renewFloor: 60 });
    expect(hopMargins({ name: "w", type: "aws-login", share_with_aws_cli: false }, { refreshMargin: 120, renewFloor: 30 })).toEqual({ refreshMargin: 120, renewFloor: 30 });
  });
  test("every other type keeps the catalog's", () => {
    const s: Session = { name: "a", type: "iam-user" };
    expect(hopMargins(s, d)).toEqual(d);
  });
});

describe("the DPoP proof", () => {
  test("ES256 over header.payload with the key's public jwk; POST, the URL, a fresh iat, a unique jti", () => {
    const key = newDpopKey();
    const a = dpopProof(key, "https://us-east-1.signin.aws.amazon.com/v1/token", 1_800_000_000_000);
    const b = dpopProof(key, "https://us-east-1.signin.aws.amazon.com/v1/token", 1_800_000_000_000);
    const [h, p, s] = a.split(".");
    const header = JSON.parse(Buffer.from(h!, "base64url").toString());
    const payload = JSON.parse(Buffer.from(p!, "base64url").toString());
    expect(header).toMatchObject({ typ: "dpop+jwt", alg: "ES256", jwk: { kty: "EC", crv: "P-256" } });
    expect(payload).toMatchObject({ htm: "POST", htu: "https://us-east-1.signin.aws.amazon.com/v1/token", iat: 1_800_000_000 });
    expect(payload.jti).not.toBe(JSON.parse(Buffer.from(b.split(".")[1]!, "base64url").toString()).jti);
    const pub = createPublicKey({ key: header.jwk, format: "jwk" });
    expect(verify("sha256", Buffer.from(`${h}.${p}`), { key: pub, dsaEncoding: "ieee-p1363" }, Buffer.from(s!, "base64url"))).toBe(true);
    expect(key).toStartWith("-----BEGIN EC PRIVATE KEY-----\n");
  });
});
