// Sends a signed request and hands the answer over as curl does: the body on stdout (or -o FILE) byte for
// byte, the status line and headers first with -i. node:http(s) rather than fetch: the body streams from a
// file with a known Content-Length, and repeated header names go out as separate lines.
import { createReadStream, writeSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { pipeline } from "node:stream/promises";
import type { PreparedBody } from "./body.ts";

export interface Answer {
  status: number;
  statusMessage: string;
  httpVersion: string;
  /** as received: name, value, name, value … */
  rawHeaders: string[];
  res: IncomingMessage;
}

export class NetworkError extends Error {}
export class TimedOut extends Error {}

export function send(url: URL, method: string, headers: Array<[string, string | string[]]>, body: PreparedBody, maxTimeMs: number | undefined, signal: AbortSignal): Promise<Answer> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of headers) out[k] = v;
  if (body.kind === "memory") out["content-length"] = String(body.bytes.byteLength);
  else if (body.kind === "file") out["content-length"] = String(body.length);
  else if (method !== "GET" && method !== "HEAD" && method !== "DELETE" && method !== "OPTIONS") out["content-length"] = "0";
  const make = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<Answer>((resolve, reject) => {
    const req = make(url, { method, headers: out, signal });
    req.on("response", (res) => resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? "", httpVersion: res.httpVersion, rawHeaders: res.rawHeaders, res }));
    req.on("error", (e) => reject(signal.aborted ? new TimedOut(String(maxTimeMs)) : new NetworkError(e.message)));
    if (body.kind === "memory") req.end(body.bytes);
    else if (body.kind === "file") pipeline(createReadStream(body.path), req).catch((e) => reject(signal.aborted ? new TimedOut("") : new NetworkError((e as Error).message)));
    else req.end();
  });
}

/** Blocking write of every byte to a file descriptor (stdout may be a non-blocking pipe). */
export function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.byteLength) {
    try {
      off += writeSync(fd, data, off, data.byteLength - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

/** The status line and headers as curl -i prints them. */
export function headBlock(a: Answer): string {
  let s = `HTTP/${a.httpVersion} ${a.status}${a.statusMessage ? ` ${a.statusMessage}` : ""}\r\n`;
  for (let i = 0; i + 1 < a.rawHeaders.length; i += 2) s += `${a.rawHeaders[i]}: ${a.rawHeaders[i + 1]}\r\n`;
  return `${s}\r\n`;
}
