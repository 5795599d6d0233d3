// The emulator as other processes see it: the /_emulator/ control API, route registration for the SSO
// services to come, and the runnable server (main.ts) with a seed file.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import { type Emulator, startEmulator } from "./index.ts";

async function call(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("control API", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.stop());

  test("creates users and roles that STS then honours, and exposes the call log", async () => {
    const user = await call(emu.url, "POST", "/_emulator/users", { userName: "erin", account: "210987654321" });
    // Read the keys before asserting: bun's toMatchObject writes asymmetric matchers back into the object.
    const accessKeyId = String(user.body.accessKeyId);
    const secretAccessKey = String(user.body.secretAccessKey);
    expect(user.status).toBe(200);
    expect(user.body.arn).toBe("arn:aws:iam::210987654321:user/erin");
    expect(accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    const role = await call(emu.url, "POST", "/_emulator/roles", { arn: "arn:aws:iam::210987654321:role/Ops", maxSessionDuration: 7200 });
    expect(role.body).toMatchObject({ name: "Ops", account: "210987654321", maxSessionDuration: 7200, trust: "*" });

    const sts = new STSClient({
      region: "us-east-1",
      endpoint: emu.url,
      credentials: { accessKeyId, secretAccessKey },
    });
    await sts.send(new GetCallerIdentityCommand({}));
    const log = await call(emu.url, "GET", "/_emulator/calls?action=GetCallerIdentity");
    expect(log.body.calls).toEqual([
      expect.objectContaining({ service: "sts", action: "GetCallerIdentity", accessKeyId, status: 200 }),
    ]);
    expect((await call(emu.url, "POST", "/_emulator/reset-calls")).status).toBe(200);
    expect(emu.calls).toEqual([]);
  });

  test("queues faults, moves the clock and overrides credential lifetime", async () => {
    const queued = await call(emu.url, "POST", "/_emulator/faults", { action: "GetSessionToken", kind: "throttle", count: 2 });
    expect(queued.body.faults).toEqual([expect.objectContaining({ service: "sts", action: "GetSessionToken", remaining: 2 })]);
    const custom = await call(emu.url, "POST", "/_emulator/faults", {
      action: "AssumeRole",
      error: { code: "RegionDisabledException", message: "off", status: 403 },
    });
    expect(custom.body.faults).toHaveLength(2);
    expect(emu.faults.take("sts", "AssumeRole")?.error).toEqual({ code: "RegionDisabledException", message: "off", status: 403, type: "Sender" });
    expect((await call(emu.url, "DELETE", "/_emulator/faults")).body.faults).toEqual([]);

    const before = emu.now().getTime();
    const clock = await call(emu.url, "POST", "/_emulator/clock", { advanceSeconds: 3600 });
    expect(Date.parse(String(clock.body.now)) - before).toBeGreaterThanOrEqual(3600 * 1000);
    expect(clock.body.offsetSeconds).toBeGreaterThanOrEqual(3600);

    await call(emu.url, "POST", "/_emulator/credential-lifetime", { seconds: 30 });
    expect(emu.state.credentialLifetimeOverride).toBe(30);
    await call(emu.url, "POST", "/_emulator/credential-lifetime", { seconds: null });
    expect(emu.state.credentialLifetimeOverride).toBeUndefined();
  });

  test("answers 400 with the reason for bad setup and 404 for unknown control routes", async () => {
    const bad = await call(emu.url, "POST", "/_emulator/roles", { arn: "not-an-arn" });
    expect(bad).toEqual({ status: 400, body: { error: "invalid role ARN: not-an-arn" } });
    const badFault = await call(emu.url, "POST", "/_emulator/faults", { kind: "meteor" });
    expect(badFault.status).toBe(400);
    expect((await call(emu.url, "GET", "/_emulator/nothing")).status).toBe(404);
  });

  test("registerRoute plugs in other services without disturbing STS", async () => {
    emu.registerRoute("GET", "/federation/", (req, ctx) => {
      ctx.record({ service: "sso", action: "GetRoleCredentials", params: Object.fromEntries(req.url.searchParams), status: 200, requestId: "r1" });
      return { status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ path: req.path }) };
    });
    const res = await fetch(`${emu.url}/federation/credentials?role_name=ReadOnly&account_id=111111111111`);
    expect(await res.json()).toEqual({ path: "/federation/credentials" });
    expect(emu.callsFor("GetRoleCredentials", "sso")[0]?.params).toEqual({ role_name: "ReadOnly", account_id: "111111111111" });
    expect((await fetch(`${emu.url}/elsewhere`, { method: "POST" })).status).toBe(404);
    const sts = await fetch(emu.url, { method: "POST", body: "Action=GetCallerIdentity&Version=2011-06-15" });
    expect(sts.status).toBe(403);
  });
});

describe("runnable server (main.ts)", () => {
  let dir: string;
  let child: ChildProcess;
  let url: string;
  let stderr = "";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "emulator-main-"));
    const seed = join(dir, "seed.json");
    writeFileSync(
      seed,
      JSON.stringify({
        users: [{ userName: "demo", account: "123456789012", accessKeyId: "AKIADEMODEMODEMO0001", secretAccessKey: "demo-secret-demo-secret-demo-secret-0001" }],
        roles: [{ arn: "arn:aws:iam::123456789012:role/Demo", trust: ["arn:aws:iam::123456789012:user/demo"] }],
      }),
    );
    child = spawn(process.execPath, [join(import.meta.dir, "main.ts"), "--port", "0", "--seed", seed, "--print-keys"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      child.once("exit", (code) => reject(new Error(`emulator exited early (${code}): ${stderr}`)));
    });
    const m = /^emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
    if (!m) throw new Error(`unexpected first line: ${line}`);
    url = m[1]!;
  });
  afterAll(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  test("serves the seeded user with its fixed keys and prints them to stderr only", async () => {
    const sts = new STSClient({
      region: "eu-central-1",
      endpoint: url,
      credentials: { accessKeyId: "AKIADEMODEMODEMO0001", secretAccessKey: "demo-secret-demo-secret-demo-secret-0001" },
    });
    const out = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(JSON.parse(stderr.trim())).toEqual({
      users: [expect.objectContaining({ userName: "demo", accessKeyId: "AKIADEMODEMODEMO0001", arn: "arn:aws:iam::123456789012:user/demo" })],
    });
    const log = await call(url, "GET", "/_emulator/calls");
    expect(log.body.calls).toEqual([expect.objectContaining({ action: "GetSessionToken", accessKeyId: "AKIADEMODEMODEMO0001" })]);
  });

  test("exits 0 on SIGTERM", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
