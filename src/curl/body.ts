// The request body of `sesame curl`, made ready to sign and send without holding a large one in memory.
// -d text is small and kept in memory. --data-binary @FILE is streamed from the file: for S3 (which
// takes UNSIGNED-PAYLOAD) as it is, for every other service after one streaming pass that hashes it.
// --data-binary @- (stdin) is copied to a private temporary file while it is hashed, because AWS needs
// the length and (outside S3) the payload hash before the first byte is sent; the copy is removed after.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { UsageError } from "../errors.ts";
import type { BodySpec } from "./args.ts";
import { UNSIGNED_PAYLOAD } from "./sign.ts";
import type { Env } from "../types.ts";

export type PreparedBody =
  | { kind: "none" }
  | { kind: "memory"; bytes: Uint8Array }
  | { kind: "file"; path: string; length: number; payloadHash: string; cleanup(): void };

export async function prepareBody(spec: BodySpec, service: string, env: Env): Promise<PreparedBody> {
  switch (spec.kind) {
    case "none":
      return { kind: "none" };
    case "text": {
      const parts = spec.parts.map((p) => {
        if (!p.fromFile) return Buffer.from(p.value, "utf8");
        const data = readData(p.value);
        return p.stripNewlines ? Buffer.from(data.toString("latin1").replace(/[\r\n]/g, ""), "latin1") : data;
      });
      const joined: Buffer[] = [];
      parts.forEach((p, i) => joined.push(...(i ? [Buffer.from("&"), p] : [p])));
      return { kind: "memory", bytes: Buffer.concat(joined) };
    }
    case "file": {
      let st;
      try {
        st = statSync(spec.path);
      } catch {
        throw new UsageError(`curl: cannot read ${JSON.stringify(spec.path)} for --data-binary`, "check the path (use @- for stdin)");
      }
      // A FIFO or a device has no length: treat it like stdin.
      if (!st.isFile()) return spool(createReadStream(spec.path), env);
      const payloadHash = service === "s3" ? UNSIGNED_PAYLOAD : await hashFile(spec.path);
      return { kind: "file", path: spec.path, length: st.size, payloadHash, cleanup: () => {} };
    }
    case "stdin":
      return spool(process.stdin, env);
  }
}

function readData(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new UsageError(`curl: cannot read ${JSON.stringify(path)} for -d @FILE`, "check the path");
  }
}

async function hashFile(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Copies a stream to a 0600 file in a fresh 0700 folder, hashing it on the way. */
async function spool(input: NodeJS.ReadableStream, env: Env): Promise<PreparedBody> {
  const dir = mkdtempSync(join(env.TMPDIR || tmpdir(), "sesame-curl-"));
  // Ctrl-C (or a kill) during a long upload must not leave a copy of the body behind.
  const onSignal = (sig: NodeJS.Signals) => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGHUP" ? 1 : 15));
  };
  for (const sig of SIGNALS) process.on(sig, onSignal);
  const cleanup = () => {
    for (const sig of SIGNALS) process.off(sig, onSignal);
    rmSync(dir, { recursive: true, force: true });
  };
  const path = join(dir, "body");
  const h = createHash("sha256");
  let length = 0;
  try {
    await pipeline(
      input,
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          h.update(chunk);
          length += chunk.length;
          done(null, chunk);
        },
      }),
      createWriteStream(path, { mode: 0o600, flags: "wx" }),
    );
  } catch (e) {
    cleanup();
    throw new UsageError(`curl: reading the body failed: ${(e as Error).message}`, "check the input");
  }
  return { kind: "file", path, length, payloadHash: h.digest("hex"), cleanup };
}
