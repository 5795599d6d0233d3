// More of issue 3 through dist/sesame: registrations reused or re-made, sync under throttling, Ctrl-C
// during a login, and auto_login on a terminal.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, parseProcessOutput, type World } from "./harness.ts";
import { START, ssoCatalog, ssoWorld as baseSsoWorld } from "./sso-harness.ts";

const ssoWorld = (extra = "") => baseSsoWorld(ssoCatalog(extra));

/** `sesame login` driven by the test: approve the device code as soon as it is shown. */
function login(w: World, args: string[] = [], onCode?: (code: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(BIN, ["login", "corp", ...args], { env: w.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let seen = false;
    child.stderr.on("data", (d) => {
      stderr += d;
      const m = /shows the code (\S+)/.exec(stderr);
      if (m && !seen) {
        seen = true;
        (onCode ?? ((c) => w.emu.approveDevice(c)))(m[1]!, child);
      }
    });
    child.on("close", (code, signal) => res({ code, signal, stderr }));
  });
}

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
