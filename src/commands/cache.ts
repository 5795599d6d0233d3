// sesame cache clear
import { writeSync } from "node:fs";
import { cacheDir, stateDir } from "../locations.ts";
import { clearEntries } from "../store/cache.ts";
import type { Env } from "../types.ts";

export async function cacheClear(env: Env = process.env): Promise<void> {
  const n = await clearEntries({ cacheDir: cacheDir(env), stateDir: stateDir(env) });
  writeSync(2, `sesame: removed ${n} cached credential${n === 1 ? "" : "s"}\n`);
}
