// More of issue 3 through dist/sesame: registrations reused or re-made, sync under throttling, Ctrl-C
// during a login, and auto_login on a terminal.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, parseProcessOutput, type World } from "./harness.ts";
import { deviceLogin, START, ssoCatalog, ssoWorld as baseSsoWorld } from "./sso-harness.ts";

const ssoWorld = (extra = "") => baseSsoWorld(ssoCatalog(extra));

/** `sesame login` driven by the test: approve the device code as soon as it is shown (or hand it to onCode). */
const login = (w: World, args: string[] = [], onCode?: (code: string, child: ChildProcess) => void) => deviceLogin(w, args, { onCode });

describe("client registration", () => {
  let w: World;
  beforeAll(async () => {
    w = await ssoWorld();
  });
  afterAll(() => w.stop());

  test("is reused by the next login of the same kind and re-made when the flow needs other grant types", async () => {
    expect((await login(w)).code).toBe(0);
    expect((await login(w, ["--force"])).code).toBe(0);
    const regs = w.emu.callsFor("RegisterClient", "sso-oidc");
    expect(regs).toHaveLength(1);
    expect(String(regs[0]!.params.grantTypes)).toBe("urn:ietf:params:oauth:grant-type:device_code refresh_token");
    // the browser flow needs authorization_code: a new registration
    let done = false;
    const child = spawn(BIN, ["login", "corp", "--no-browser", "--force"], { env: w.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(err);
      if (m && !done) {
        done = true;
        void fetch(w.emu.completeAuthorize(m[1]!)).then((r) => r.text());
      }
    });
    expect(await new Promise((r) => child.on("close", r))).toBe(0);
    const regs2 = w.emu.callsFor("RegisterClient", "sso-oidc");
    expect(regs2).toHaveLength(2);
    expect(String(regs2[1]!.params.grantTypes)).toBe("authorization_code refresh_token");
    expect(String(regs2[1]!.params.redirectUris)).toBe("http://127.0.0.1/oauth/callback");
    expect(regs2[1]!.params.issuerUrl).toBe(START);
  });

  test("sso sync is paced and retried through throttling", async () => {
    for (let i = 2; i <= 4; i++) w.emu.addSsoAccount({ accountId: `${i}`.repeat(12), accountName: `team ${i}`, roles: ["ReadOnly"] });
    w.emu.faults.throttle("ListAccounts", 2, "sso");
    w.emu.faults.throttle("ListAccountRoles", 3, "sso");
    w.emu.resetCalls();
    const r = await w.run(["sso", "sync", "corp"]);
    expect(r.stderr).toContain("4 accounts, 4 roles: 3 added, 0 removed, 0 kept, 1 already covered"); // [session.admin] covers one
    expect(r.code).toBe(0);
    expect(w.emu.callsFor("ListAccounts", "sso").filter((c) => c.status === 429)).toHaveLength(2);
    expect(w.emu.callsFor("ListAccountRoles", "sso").filter((c) => c.status === 429)).toHaveLength(3);
  }, 60_000);

  test("sso sync lists a big organisation's accounts a few at a time, and writes every role in a stable order", async () => {
    for (let i = 10; i < 40; i++) w.emu.addSsoAccount({ accountId: `1000000000${i}`, accountName: `org ${i}`, roles: i % 3 ? ["ReadOnly"] : ["ReadOnly", "Admin"] });
    // each listing answers after 60 ms, so listers overlap if sesame runs them side by side
    w.emu.faults.delay("ListAccountRoles", 60, 1000, "sso");
    w.emu.resetCalls();
    const r = await w.run(["sso", "sync", "corp", "--dry-run"]);
    w.emu.faults.clear();
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("34 accounts, 44 roles");
    const calls = w.emu.callsFor("ListAccountRoles", "sso");
    expect(calls).toHaveLength(34);
    const most = Math.max(...calls.map((c) => c.inFlight ?? 0));
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(6);
    // the same plan as a second run: order does not depend on which answer came first
    const again = await w.run(["sso", "sync", "corp", "--dry-run"]);
    expect(again.stdout).toBe(r.stdout);
  }, 60_000);
});

describe("interruptions", () => {
  let w: World;
  beforeAll(async () => {
    w = await ssoWorld();
  });
  afterAll(() => w.stop());

  test("Ctrl-C while waiting for approval leaves no token, no lock, and exits 130", async () => {
    const r = await login(w, [], (_code, child) => child.kill("SIGINT"));
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('login to "corp" cancelled');
    expect(readdirSync(w.cacheDir).filter((f) => f.endsWith(".lock"))).toEqual([]);
    const after = await w.run(["credential-process", "admin"]);
    expect(after.code).toBe(4);
    expect(after.stderr).toContain("is not logged in");
  });
});

describe("auto_login", () => {
  let w: World;
  beforeAll(async () => {
    w = await ssoWorld("auto_login = true");
  });
  afterAll(() => w.stop());

  test("without a terminal, credential-process still only says what to run", async () => {
    const r = await w.run(["credential-process", "admin"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("run: sesame login corp");
    expect(w.emu.callsFor("StartDeviceAuthorization", "sso-oidc")).toHaveLength(0);
  });

  test.skipIf(!existsSync("/usr/bin/script"))("on a terminal, credential-process signs in there and then prints the credentials", async () => {
    const out = join(w.home, "auto.json");
    const child = spawn("/usr/bin/script", ["-qec", `${BIN} credential-process admin > ${out}`, "/dev/null"], { env: w.env, stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    let approved = false;
    child.stdout.on("data", (d) => {
      screen += d;
      const m = /shows the code (\S+)/.exec(screen);
      if (m && !approved) {
        approved = true;
        w.emu.approveDevice(m[1]!.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ""));
      }
    });
    const code = await new Promise((r) => child.on("close", r));
    expect(approved).toBe(true);
    expect(code).toBe(0);
    parseProcessOutput(readFileSync(out, "utf8"));
    expect(screen).toContain('To sign in to "corp"');
  });
});

// Issue 9 item 7: a hostile SSO-OIDC endpoint chooses the verification URL and the user code. A proxy in
// front of the emulator rewrites StartDeviceAuthorization's answer; sesame must open only an https page of
// AWS (or of the configured endpoint), never hand an opener an option, and show no control characters.
describe("device flow against a hostile endpoint", () => {
  let w: World;
  let proxy: ReturnType<typeof Bun.serve>;
  let rewrite: (o: Record<string, unknown>) => void = () => {};
  beforeAll(async () => {
    w = await ssoWorld();
    const upstream = w.emu.url;
    proxy = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const u = new URL(req.url);
        const headers = new Headers(req.headers);
        headers.delete("host");
        const res = await fetch(upstream + u.pathname + u.search, { method: req.method, headers, body: req.method === "GET" ? undefined : await req.arrayBuffer() });
        const text = await res.text();
        if (!u.pathname.startsWith("/device_authorization") || res.status !== 200) return new Response(text, { status: res.status, headers: res.headers });
        const o = JSON.parse(text) as Record<string, unknown>;
        o.verificationUriComplete = String(o.verificationUriComplete).replace(upstream, `http://127.0.0.1:${proxy.port}`); // the page is the proxy's
        rewrite(o);
        return Response.json(o);
      },
    });
  });
  afterAll(() => {
    proxy.stop(true);
    w.stop();
  });

  function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    return deviceLogin(w, ["--device-code", "--force"], {
      env: { AWS_ENDPOINT_URL_SSO_OIDC: `http://127.0.0.1:${proxy.port}`, ...env },
      // the code, once the terminal-safe residue of the escapes is cut off
      onCode: (code) => w.emu.approveDevice(code.replace(/^.*pwned/, "").replace(/\[2J$/, "")),
    });
  }

  const fakeBrowser = () => {
    const argv = join(w.home, `browser-${Math.random().toString(36).slice(2)}.argv`);
    const path = join(w.home, "browser.sh");
    writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' "$@" >> "$ARGV_FILE"\n`, { mode: 0o755 });
    return { env: { BROWSER: path, ARGV_FILE: argv }, argv };
  };

  test.each([
    ["an option for the browser", "--renderer-cmd-prefix=touch /tmp/pwned"],
    ["an http page elsewhere", "http://evil.example/device?user_code=X"],
    ["an https page elsewhere", "https://evil.example/device?user_code=X"],
    ["a javascript: address", "javascript:alert(1)"],
    ["the emulator's page: loopback, but not the configured endpoint", "EMULATOR"],
  ])("%s is refused with one line, status 5; no browser is started", async (_what, hostile) => {
    rewrite = (o) => void (o.verificationUriComplete = hostile === "EMULATOR" ? `${w.emu.url}/device?user_code=${String(o.userCode)}` : hostile);
    const b = fakeBrowser();
    const r = await run(b.env);
    expect(r.code).toBe(5);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toMatch(/^sesame: the sign-in service of "corp" sent a verification address that is not an https page of AWS \(".*"\); nothing was opened — check AWS_ENDPOINT_URL_SSO_OIDC/);
    expect(existsSync(b.argv)).toBe(false);
  });

  test("control characters in the user code and the URL never reach the terminal; the page of the configured endpoint is opened", async () => {
    rewrite = (o) => {
      o.userCode = `\x1b]0;pwned\x07${String(o.userCode)}\x1b[2J`;
    };
    const b = fakeBrowser();
    const r = await run(b.env);
    expect(r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(r.stderr).toContain("0;pwned");
    expect(r.code).toBe(0);
    for (let i = 0; i < 100 && !existsSync(b.argv); i++) await Bun.sleep(20);
    expect(readFileSync(b.argv, "utf8")).toStartWith(`http://127.0.0.1:${proxy.port}/device?user_code=`);
  });
});
