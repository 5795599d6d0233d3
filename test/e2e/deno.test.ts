// The source stays Deno-compatible: `deno run -A src/main.ts …` resolves the same chain as the binary
// and serves the same cache.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { resolve } from "node:path";
import { BIN, parseProcessOutput, storeAliceKey, world, DENO_SESAME, type World } from "./harness.ts";

const deno = DENO_SESAME;

let w: World;
beforeAll(async () => {
  w = await world();
  await storeAliceKey(w);
});
afterAll(() => w.stop());

test("deno resolves a cold 3-hop chain from the OS keyring, and the binary then serves Deno's cache entry", async () => {
  w.emu.resetCalls();
  const r = await w.run(["credential-process", "prod"], { bin: deno, env: { DENO_DIR: resolve(w.home, ".deno") } });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const fromDeno = parseProcessOutput(r.stdout);
  expect(w.emu.callsFor("AssumeRole")).toHaveLength(2);
  w.emu.resetCalls();
  const fromBin = await w.run(["credential-process", "prod"], { bin: [BIN] });
  expect(parseProcessOutput(fromBin.stdout)).toEqual(fromDeno);
  expect(w.emu.calls).toHaveLength(0);
}, 120_000);

test("deno and the binary print the same list and the same errors", async () => {
  const a = await w.run(["list", "--json"], { bin: deno });
  const b = await w.run(["list", "--json"], { bin: [BIN] });
  expect(a.code).toBe(0);
  expect(JSON.parse(a.stdout)).toEqual(JSON.parse(b.stdout));
  const ea = await w.run(["credential-process", "nope"], { bin: deno });
  const eb = await w.run(["credential-process", "nope"], { bin: [BIN] });
  expect(ea.code).toBe(2); // a missing session is a usage error (issue 16 item 15)
  expect(ea.stderr).toBe(eb.stderr);
}, 120_000);
