// The credentials server under Deno (`deno run -A src/main.ts exec NAME --server`): node:http, the
// token and Host checks and a real client, as with the compiled binary.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { resolve } from "node:path";
import { storeAliceKey, world, type World } from "./harness.ts";

const DENO = resolve(import.meta.dir, "../../node_modules/.bin/deno");
const SRC = resolve(import.meta.dir, "../../src/main.ts");
const deno = [DENO, "run", "--quiet", "-A", "--no-lock", SRC];

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
