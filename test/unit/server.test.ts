// The credentials server's pure parts: tokens, the loopback rule, the renewal schedule, and the
// renewer's promise that a request is answered from memory and a failing session disturbs no other.
import { describe, expect, test } from "bun:test";
import { newToken, tokenChecker } from "../../src/server/token.ts";
import { loopbackHost, parsePort } from "../../src/server/loopback.ts";
import { Renewer } from "../../src/server/renewer.ts";
import { NeedsInput, UsageError } from "../../src/errors.ts";
import type { Credentials } from "../../src/credentials/types.ts";

describe("tokens", () => {
  test("256 random bits, base64url, never twice the same", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const t = newToken();
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(t, "base64url")).toHaveLength(32);
      seen.add(t);
    }
    expect(seen.size).toBe(200);
  });

  test("only the exact token passes: not a prefix, a longer string, another case, or nothing", () => {
    const t = newToken();
    const ok = tokenChecker(t);
    expect(ok(t)).toBe(true);
    for (const bad of [undefined, "", t.slice(0, -1), t + "x", t.toUpperCase() === t ? t.toLowerCase() : t.toUpperCase(), newToken()]) expect(ok(bad)).toBe(false);
  });
});

describe("loopback only", () => {
  test("127.0.0.1 by default, ::1 on request, anything else refused", () => {
    expect(loopbackHost(undefined)).toBe("127.0.0.1");
    expect(loopbackHost("127.0.0.1")).toBe("127.0.0.1");
    expect(loopbackHost("::1")).toBe("::1");
    expect(loopbackHost("[::1]")).toBe("::1");
    for (const bad of ["0.0.0.0", "::", "10.0.0.1", "localhost", "127.0.0.2", "169.254.170.2", "\u001b[31m"]) {
      expect(() => loopbackHost(bad)).toThrow(UsageError);
    }
    expect(() => loopbackHost("\u001b[31m")).toThrow(/--bind \?\[31m/);
  });

  test("ports", () => {
    expect(parsePort(undefined)).toBe(0);
    expect(parsePort("8080")).toBe(8080);
    for (const bad of ["65536", "-1", "80a", "", "1e3"]) expect(() => parsePort(bad)).toThrow(UsageError);
  });
});

const creds = (id: string, expiresAt: number): Credentials => ({ accessKeyId: id, secretAccessKey: "s", sessionToken: "t", expiration: new Date(expiresAt) });

describe("Renewer", () => {
  test("renews just inside the refresh margin, and at half-life when credentials live less than the margin", () => {
    const now = 1_000_000;
    const r = new Renewer([], async () => creds("a", 0), { marginSeconds: 900, now: () => now });
    expect(r.renewDelay(creds("a", now + 3600_000))).toBe(2700_000 + 250);
    expect(r.renewDelay(creds("a", now + 600_000))).toBe(300_000);
    expect(r.renewDelay({ accessKeyId: "a", secretAccessKey: "s" })).toBeUndefined();
    // a session with a margin of its own (aws-login: 5 minutes of 15-minute credentials)
    const own = new Renewer([], async () => creds("a", 0), { marginSeconds: 900, marginFor: (n) => (n === "web" ? 300 : 900), now: () => now });
    expect(own.renewDelay(creds("a", now + 900_000), "web")).toBe(600_000 + 250);
    expect(own.renewDelay(creds("a", now + 900_000), "other")).toBe(450_000);
  });

  test("after the first fetch, requests are answered from memory; a failing session answers 503 and disturbs no other", async () => {
    const lines: string[] = [];
    let calls = 0;
    const fetch = async (name: string) => {
      calls++;
      if (name === "bad") throw new NeedsInput("sso.login-needed", 'IAM Identity Center session "corp" has expired', "run: sesame login corp");
      return creds(name, Date.now() + 3600_000);
    };
    const r = new Renewer(["good", "bad"], fetch, { marginSeconds: 900, report: (l) => lines.push(l) });
    await r.prime("good");
    await r.prime("bad");
    const answers = await Promise.all(Array.from({ length: 100 }, () => r.answer("good")));
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(r.waits).toBe(0);
    const bad = await r.answer("bad");
    expect(bad).toEqual({ ok: false, status: 503, message: 'IAM Identity Center session "corp" has expired — run: sesame login corp' });
    expect(lines).toEqual(['sesame: session bad: IAM Identity Center session "corp" has expired — run: sesame login corp']);
    expect(calls).toBe(3); // good once, bad twice (prime, then the request's retry)
    r.stop();
  });

  test("concurrent requests on a cold session share one fetch", async () => {
    let calls = 0;
    const r = new Renewer(["s"], async () => {
      calls++;
      await new Promise((ok) => setTimeout(ok, 10));
      return creds("s", Date.now() + 3600_000);
    }, { marginSeconds: 900 });
    const all = await Promise.all(Array.from({ length: 20 }, () => r.answer("s")));
    expect(all.every((a) => a.ok)).toBe(true);
    expect(calls).toBe(1);
    r.stop();
  });
});
