// Console federation (src/console/federation.ts): hosts per partition, the Session JSON and its encoding,
// when SessionDuration is sent, the login URL, and the sign-in token request's errors (which must never
// carry the credentials or the URL holding them).
import { describe, expect, test } from "bun:test";
import {
  checkDestination,
  consoleHome,
  federatedUserName,
  getSigninToken,
  loginUrl,
  partitionOf,
  sessionDurationFor,
  sessionJson,
  signinEndpoint,
  signinTokenUrl,
  USER_PERMISSIONS_POLICY,
  type FetchLike,
} from "../../../src/console/federation.ts";
import { SesameError, UsageError } from "../../../src/errors.ts";

const CREDS = { accessKeyId: "ASIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCY=EXAMPLE&KEY", sessionToken: "IQoJb3JpZ2luX2Vj/+=&?#%\"token" };

describe("partitions and hosts", () => {
  test.each([
    ["eu-west-1", undefined, "aws", "https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com/console/home?region=eu-west-1"],
    ["cn-north-1", undefined, "aws-cn", "https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn/console/home?region=cn-north-1"],
    ["us-gov-west-1", undefined, "aws-us-gov", "https://signin.amazonaws-us-gov.com/federation", "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1"],
    ["us-east-1", "arn:aws-cn:iam::111111111111:role/R", "aws-cn", "https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn/console/home?region=us-east-1"],
  ] as const)("%s %s → %s", (region, arn, partition, signin, home) => {
    const p = partitionOf(region, arn);
    expect(p).toBe(partition);
    expect(signinEndpoint(p)).toBe(signin);
    expect(consoleHome(p, region)).toBe(home);
  });

  test("SESAME_SIGNIN_URL overrides the host", () => {
    expect(signinEndpoint("aws", { SESAME_SIGNIN_URL: "http://127.0.0.1:1234/signin/federation" })).toBe("http://127.0.0.1:1234/signin/federation");
  });

  test("SESAME_SIGNIN_URL must be https, or http to a loopback host only", () => {
    for (const ok of ["https://signin.example.com/federation", "http://127.0.0.1:1/f", "http://localhost:1/f", "http://[::1]:1/f"]) {
      expect(signinEndpoint("aws", { SESAME_SIGNIN_URL: ok })).toBe(ok);
    }
    for (const bad of ["http://signin.example.com/federation", "http://127.0.0.1.example.com/f", "ftp://127.0.0.1/f", "not a url", "https://u:p@signin.example.com/f"]) {
      expect(() => signinEndpoint("aws", { SESAME_SIGNIN_URL: bad })).toThrow(/SESAME_SIGNIN_URL/);
    }
  });
});

describe("GetFederationToken's Name", () => {
  test.each([
    ["alice", "alice"],
    ["dev.admin+x@corp=1", "dev.admin+x@corp=1"],
    ["a", "sesame-a"],
    ["x".repeat(64), "x".repeat(32)],
  ])("%s → %s", (session, name) => {
    expect(federatedUserName(session)).toBe(name);
    expect(name).toMatch(/^[\w+=,.@-]{2,32}$/);
  });

  test("the default session policy allows everything, so the user's own policies decide", () => {
    expect(JSON.parse(USER_PERMISSIONS_POLICY)).toEqual({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
  });
});

describe("the Session parameter and the URLs", () => {
  test("Session is the three fields as JSON, and survives the URL encoding exactly", () => {
    expect(sessionJson(CREDS)).toBe(`{"sessionId":"ASIAIOSFODNN7EXAMPLE","sessionKey":"wJalrXUtnFEMI/K7MDENG+bPxRfiCY=EXAMPLE&KEY","sessionToken":"IQoJb3JpZ2luX2Vj/+=&?#%\\"token"}`);
    const url = new URL(signinTokenUrl("https://signin.aws.amazon.com/federation", CREDS));
    expect(url.searchParams.get("Action")).toBe("getSigninToken");
    expect(JSON.parse(url.searchParams.get("Session")!)).toEqual({ sessionId: CREDS.accessKeyId, sessionKey: CREDS.secretAccessKey, sessionToken: CREDS.sessionToken });
    expect(url.searchParams.has("SessionDuration")).toBe(false);
    // every reserved character of the JSON is percent-encoded (no raw +, & or = that would split or change it)
    expect(url.search.slice(url.search.indexOf("Session=") + 8)).toMatch(/^[A-Za-z0-9%._~!*'()-]+$/);
  });

  test("SessionDuration comes before Session when given", () => {
    expect(signinTokenUrl("https://signin.aws.amazon.com/federation", CREDS, 3600)).toStartWith("https://signin.aws.amazon.com/federation?Action=getSigninToken&SessionDuration=3600&Session=%7B%22sessionId%22%3A%22ASIA");
  });

  test("long-lived keys (no session token) cannot sign in", () => {
    expect(() => sessionJson({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "x" })).toThrow("session credentials");
  });

  test("the login URL: Action, optional Issuer, Destination, SigninToken, each encoded", () => {
    const dest = "https://console.aws.amazon.com/console/home?region=eu-west-1#/a b";
    expect(loginUrl("https://signin.aws.amazon.com/federation", "tok/+=", dest)).toBe(
      "https://signin.aws.amazon.com/federation?Action=login&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-west-1%23%2Fa%20b&SigninToken=tok%2F%2B%3D",
    );
    expect(new URL(loginUrl("https://x/federation", "t", dest, "https://me.example")).searchParams.get("Issuer")).toBe("https://me.example");
  });

  test("an endpoint that already has a query string gets & not a second ?", () => {
    expect(loginUrl("https://x/f?stage=1", "t", "https://d")).toStartWith("https://x/f?stage=1&Action=login&");
  });
});

describe("SessionDuration", () => {
  test("sent for role credentials (900–43200)", () => {
    expect(sessionDurationFor("role", 1800)).toBe(1800);
    expect(sessionDurationFor("role", undefined)).toBeUndefined();
    expect(() => sessionDurationFor("role", 899)).toThrow(UsageError);
    expect(() => sessionDurationFor("role", 43201)).toThrow(UsageError);
  });

  test("never for GetFederationToken credentials (their DurationSeconds is the console session's length)", () => {
    expect(sessionDurationFor("federation", 7200)).toBeUndefined();
  });

  test("chained roles: never sent; more than 1 hour refused, with the reason", () => {
    expect(sessionDurationFor("chained-role", 3600)).toBeUndefined();
    expect(sessionDurationFor("chained-role", 900)).toBeUndefined();
    expect(() => sessionDurationFor("chained-role", 3601)).toThrow(/caps at 1 hour/);
    expect(() => sessionDurationFor("chained-role", 600)).toThrow(UsageError);
    expect(sessionDurationFor("chained-role", undefined)).toBeUndefined();
  });
});

describe("--destination", () => {
  test("https URLs (and http to loopback, for tests) only", () => {
    expect(checkDestination("https://console.aws.amazon.com/s3/home")).toBe("https://console.aws.amazon.com/s3/home");
    expect(checkDestination("http://127.0.0.1:8080/x")).toBe("http://127.0.0.1:8080/x");
    expect(() => checkDestination("http://evil.example/")).toThrow(UsageError);
    expect(() => checkDestination("javascript:alert(1)")).toThrow(UsageError);
    expect(() => checkDestination("s3")).toThrow(UsageError);
  });
});

describe("getSigninToken", () => {
  const fake = (status: number, body: string, seen: string[] = []): FetchLike => async (url) => {
    seen.push(url);
    return { status, text: async () => body };
  };

  test("returns the token; the request is a GET of the sign-in token URL", async () => {
    const seen: string[] = [];
    expect(await getSigninToken("https://signin.aws.amazon.com/federation", CREDS, undefined, fake(200, '{"SigninToken":"abc"}', seen))).toBe("abc");
    expect(seen).toEqual([signinTokenUrl("https://signin.aws.amazon.com/federation", CREDS)]);
  });

  const secretsOf = (e: unknown) => {
    const line = (e as SesameError).toLine();
    for (const s of [CREDS.secretAccessKey, CREDS.sessionToken, "sessionKey", "Session="]) expect(line).not.toContain(s);
    return line;
  };

  test("a refusal: AWS's words and status, exit 5, no secret in the line", async () => {
    const e = await getSigninToken("https://signin.aws.amazon.com/federation", CREDS, 3600, fake(400, "<html><body>Invalid credentials parameter</body></html>")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SesameError);
    expect((e as SesameError).exit).toBe(5);
    expect(secretsOf(e)).toBe("sesame: the AWS sign-in endpoint signin.aws.amazon.com refused the credentials (HTTP 400: Invalid credentials parameter) — the credentials may have expired or not be allowed to sign in: run again, or check --duration");
  });

  test("a 200 without a token", async () => {
    const e = await getSigninToken("https://signin.aws.amazon.com/federation", CREDS, undefined, fake(200, "not json")).catch((x: unknown) => x);
    expect(secretsOf(e)).toContain("answered without a sign-in token");
  });

  test("a network failure names the host only", async () => {
    const failing: FetchLike = async () => {
      throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
    };
    const e = await getSigninToken("https://signin.aws.amazon.com/federation", CREDS, undefined, failing).catch((x: unknown) => x);
    expect(secretsOf(e)).toBe("sesame: cannot reach the AWS sign-in endpoint signin.aws.amazon.com (ECONNREFUSED) — check the network connection (and SESAME_SIGNIN_URL if set)");
  });
});
