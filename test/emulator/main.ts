// Runnable emulator: `bun test/emulator/main.ts [--port N] [--seed FILE.json] [--print-keys]`.
// Prints exactly one stdout line, "emulator listening on http://127.0.0.1:PORT", then serves until SIGINT/SIGTERM.
// Created users' keys go to stderr (as JSON) only with --print-keys, so they never land in a captured stdout.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Seed } from "./seed.ts";
import { startEmulator } from "./server.ts";

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: bun test/emulator/main.ts [--port N] [--seed FILE.json] [--print-keys]\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { port?: string; seed?: string; "print-keys"?: boolean };
  try {
    ({ values } = parseArgs({
      options: { port: { type: "string" }, seed: { type: "string" }, "print-keys": { type: "boolean" } },
      strict: true,
    }));
  } catch (e) {
    usage(e instanceof Error ? e.message : String(e));
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`invalid --port: ${values.port}`);
  let seed: Seed | undefined;
  if (values.seed !== undefined) {
    try {
      seed = JSON.parse(readFileSync(values.seed, "utf8")) as Seed;
    } catch (e) {
      usage(`cannot read seed ${values.seed}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  const emulator = await startEmulator({ port, ...(seed ? { seed } : {}) });
  if (values["print-keys"]) process.stderr.write(`${JSON.stringify({ users: emulator.seededUsers })}\n`);
  process.stdout.write(`emulator listening on ${emulator.url}\n`);

  const shutdown = () => {
    emulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

await main();
