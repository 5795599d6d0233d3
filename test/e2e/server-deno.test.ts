// The credentials server under Deno (`deno run -A src/main.ts exec NAME --server`): node:http, the
// token and Host checks and a real client, as with the compiled binary.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { resolve } from "node:path";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { storeAliceKey, world, DENO_SESAME, type World } from "./harness.ts";
import { httpRequest, killGroup, rawExchange } from "./server-harness.ts";

const deno = DENO_SESAME;

let w: World;
beforeAll(async () => {
  w = await world();
  await storeAliceKey(w);
});
afterAll(() => w.stop());

test("deno: exec --server answers the JS SDK's fromContainerMetadata, and refuses a foreign Host and a missing token", async () => {
  const client = resolve(import.meta.dir, "server-js-client.ts");
  // The JS client runs under Bun (the test's runtime); the server is Deno's.
  const script = `"${process.execPath}" "${client}" container; ` + `curl -s -o /dev/null -w "%{http_code}\\n" -H "Host: evil.example" -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_CONTAINER_CREDENTIALS_FULL_URI"; ` + `curl -s -o /dev/null -w "%{http_code}\\n" "$AWS_CONTAINER_CREDENTIALS_FULL_URI"`;
  const r = await w.run(["exec", "prod", "--server", "--", "/bin/sh", "-c", script], { bin: deno, env: { DENO_DIR: resolve(w.home, ".deno"), STS_URL: w.emu.url } });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const [json, foreign, missing] = r.stdout.trim().split("\n");
  expect(JSON.parse(json!).arn).toBe("arn:aws:sts::333333333333:assumed-role/Deploy/sesame-tester");
  expect(foreign).toBe("403");
  expect(missing).toBe("401");
}, 120_000);

test("deno: serve (node:http) refuses oversized headers, drops a request whose headers never end, and stops on SIGTERM", async () => {
  const proc = spawn(deno[0]!, [...deno.slice(1), "serve", "--session", "dev"], { env: { ...w.env, DENO_DIR: resolve(w.home, ".deno"), SESAME_SERVER_TIMEOUT_MS: "500" }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  try {
    let out = "";
    let err = "";
    proc.stdout!.on("data", (d) => (out += d));
    proc.stderr!.on("data", (d) => (err += d));
    const exit = new Promise<number | null>((ok) => proc.on("exit", (code) => ok(code)));
    const until = Date.now() + 60_000;
    while (!err.includes("sesame: serving")) {
      if (Date.now() > until || proc.exitCode !== null) throw new Error(`deno serve did not start: ${err}`);
      await Bun.sleep(50);
    }
    const uri = /AWS_CONTAINER_CREDENTIALS_FULL_URI=(\S+)/.exec(out)![1]!;
    const token = readFileSync(/AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=(\S+)/.exec(out)![1]!, "utf8");
    expect((await httpRequest(uri, { headers: { Authorization: token } })).status).toBe(200);
    expect((await httpRequest(uri, { headers: { Authorization: token, "X-Padding": "a".repeat(10_000) } })).status).toBe(431);
    const port = Number(new URL(uri).port);
    // Bounded wait, ten times the 500 ms the server was given (Deno's own bounds are far longer).
    const slow = await rawExchange(port, `GET /v1/credentials/dev HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${token}\r\n`, "127.0.0.1", { limitMs: 5000 });
    expect(slow.raw).not.toContain("AccessKeyId");
    proc.kill("SIGTERM");
    expect(await exit).toBe(0);
  } finally {
    killGroup(proc);
  }
}, 120_000);
