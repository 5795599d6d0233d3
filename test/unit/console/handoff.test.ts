// The one-time loopback link that hands a console sign-in URL to the browser (src/console/handoff.ts).
import { describe, expect, test } from "bun:test";
import { handOff } from "../../../src/console/handoff.ts";

const TARGET = "https://signin.aws.amazon.com/federation?Action=login&SigninToken=secret-token";

describe("handOff", () => {
  test("answers the first GET of its link with a no-store redirect to the target, then closes", async () => {
    let link = "";
    const r = await handOff(TARGET, {
      open: (u) => {
        link = u;
        void fetch(u, { redirect: "manual" }).then(async (res) => {
          expect(res.status).toBe(302);
          expect(res.headers.get("location")).toBe(TARGET);
          expect(res.headers.get("cache-control")).toBe("no-store");
          expect(res.headers.get("referrer-policy")).toBe("no-referrer");
        });
        return true;
      },
      timeoutMs: 5000,
    });
    expect(r).toEqual({ outcome: "opened" });
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}$/);
    expect(link).not.toContain("secret-token");
    expect(await fetch(link).then((res) => res.status, () => "refused")).toBe("refused");
  });

  test("a wrong path, another method or a second GET never gets the target", async () => {
    const seen: (string | number)[] = [];
    let client: Promise<void> = Promise.resolve();
    const r = await handOff(TARGET, {
      open: (u) => {
        client = (async () => {
          const base = new URL(u);
          for (const [path, method] of [["/", "GET"], [`${base.pathname}x`, "GET"], [base.pathname, "POST"]] as const) {
            const res = await fetch(new URL(path, base), { method, redirect: "manual" });
            seen.push(res.status, res.headers.get("location") ?? "none");
          }
          const first = await fetch(u, { redirect: "manual" });
          seen.push(first.status);
        })();
        return true;
      },
      timeoutMs: 5000,
    });
    await client;
    expect(r.outcome).toBe("opened");
    expect(seen).toEqual([404, "none", 404, "none", 404, "none", 302]);
  });

  test("nobody comes: timeout", async () => {
    expect(await handOff(TARGET, { open: () => true, timeoutMs: 50 })).toEqual({ outcome: "timeout" });
  });

  test("the browser fails to start, now or later", async () => {
    expect(await handOff(TARGET, { open: () => false, timeoutMs: 5000 })).toEqual({ outcome: "failed", why: "the browser could not be started" });
    const later = await handOff(TARGET, { open: (_u, fail) => (setTimeout(() => fail("xdg-open exited with status 3"), 10), true), timeoutMs: 5000 });
    expect(later).toEqual({ outcome: "failed", why: "xdg-open exited with status 3" });
  });
});
