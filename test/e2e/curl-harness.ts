// Runs `sesame curl` with binary-safe stdout and the peak resident memory of the sesame process
// (VmHWM from /proc, read until it exits), for the streamed-upload and binary-output tests.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { BIN } from "./harness.ts";

export interface RawRun {
  code: number;
  stdout: Buffer;
  stderr: string;
  /** kB, 0 where /proc is not available */
  peakRssKb: number;
}

function vmHwm(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** `feed` writes the child's stdin (with backpressure) and ends it. */
export function runRaw(args: string[], env: Record<string, string>, feed?: (stdin: NodeJS.WritableStream) => Promise<void> | void, source?: Readable): Promise<RawRun> {
  return new Promise((res, rej) => {
    const child = spawn(BIN, args, { env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let stderr = "";
    let peak = 0;
    const poll = setInterval(() => {
      if (child.pid) peak = Math.max(peak, vmHwm(child.pid));
    }, 20);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", rej);
    // VmHWM only grows: the last reading before the process is reaped is its peak.
    child.on("exit", () => {
      if (child.pid) peak = Math.max(peak, vmHwm(child.pid));
    });
    child.on("close", (code) => {
      clearInterval(poll);
      res({ code: code ?? 128, stdout: Buffer.concat(out), stderr, peakRssKb: peak });
    });
    child.stdin.on("error", () => {});
    if (source) source.pipe(child.stdin);
    else if (feed) Promise.resolve(feed(child.stdin)).catch(rej);
    else child.stdin.end();
  });
}
