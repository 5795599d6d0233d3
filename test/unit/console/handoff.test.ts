// The one-time loopback link that hands a console sign-in URL to the browser (src/console/handoff.ts).
import { describe, expect, test } from "bun:test";
import { readFileSync, statSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { canCheckSocketOwner, handOff, socketOwner } from "../../../src/console/handoff.ts";

/** What the browser does with the page: reads it and finds the loopback link it redirects to. */
function linkIn(pageUrl: string): string {
  const html = readFileSync(fileURLToPath(pageUrl), "utf8");
  return /url=(http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32})"/.exec(html)![1]!;
}

const TARGET = "https://signin.aws.amazon.com/federation?Action=login&SigninToken=secret-token";

describe("handOff", () => {
  test("the browser gets a private file whose loopback link answers the first GET with a no-store redirect, then closes", async () => {
    let link = "";
    let page = "";
    const r = await handOff(TARGET, {
      open: (p) => {
        page = fileURLToPath(p);
        expect(statSync(page).mode & 0o777).toBe(0o600);
        expect(statSync(dirname(page)).mode & 0o777).toBe(0o700);
        const u = (link = linkIn(p));
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
    expect(page).not.toContain(new URL(link).pathname.slice(1));
    // the page and its folder are gone once used
    expect(existsSync(dirname(page))).toBe(false);
    expect(await fetch(link).then((res) => res.status, () => "refused")).toBe("refused");
  });

  test("a wrong path, another method or a second GET never gets the target", async () => {
    const seen: (string | number)[] = [];
    let client: Promise<void> = Promise.resolve();
    const r = await handOff(TARGET, {
      open: (p) => {
        const u = linkIn(p);
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

  test("nobody comes: timeout, and the page is removed", async () => {
    let page = "";
    expect(await handOff(TARGET, { open: (p) => ((page = fileURLToPath(p)), true), timeoutMs: 50 })).toEqual({ outcome: "timeout" });
    expect(existsSync(dirname(page))).toBe(false);
  });

  test("the browser fails to start, now or later", async () => {
    expect(await handOff(TARGET, { open: () => false, timeoutMs: 5000 })).toEqual({ outcome: "failed", why: "the browser could not be started" });
    const later = await handOff(TARGET, { open: (_u, fail) => (setTimeout(() => fail("xdg-open exited with status 3"), 10), true), timeoutMs: 5000 });
    expect(later).toEqual({ outcome: "failed", why: "xdg-open exited with status 3" });
  });
});

describe("ownerOnly (the link in argv, for firefox-container)", () => {
  test("another user's connection gets the 404 page and leaves the link unused; the owner's then gets the redirect", async () => {
    let stranger = true;
    const seen: number[] = [];
    let browser: Promise<void> = Promise.resolve();
    const r = await handOff(TARGET, {
      ownerOnly: true,
      peerUid: () => (stranger ? 4242 : process.getuid!()),
      open: (_p, _fail, link) => {
        browser = (async () => {
          const first = await fetch(link, { redirect: "manual" });
          seen.push(first.status);
          stranger = false;
          const second = await fetch(link, { redirect: "manual" });
          seen.push(second.status);
          expect(second.headers.get("location")).toBe(TARGET);
        })();
        return true;
      },
      timeoutMs: 5000,
    });
    expect(r).toEqual({ outcome: "opened" });
    await browser;
    expect(seen).toEqual([404, 302]);
  });

  test.skipIf(!canCheckSocketOwner())("the kernel's socket table names this process's user as the owner of its own connection", async () => {
    const r = await handOff(TARGET, {
      ownerOnly: true,
      open: (_p, _fail, link) => (void fetch(link, { redirect: "manual" }), true),
      timeoutMs: 5000,
    });
    expect(r).toEqual({ outcome: "opened" });
    expect(socketOwner(1, 1)).toBeUndefined();
  });
});
