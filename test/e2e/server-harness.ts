// Helpers for server.test.ts: a `sesame serve` process the test owns, and raw HTTP/1.1 requests over
// a socket, so a test controls every header (Host, Authorization, X-Forwarded-For, sizes).
import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { readFileSync } from "node:fs";
import { BIN, type World } from "./harness.ts";

export interface ServedEndpoint {
  uri: string;
  tokenFile: string;
  imds?: string;
}

export interface Serving {
  proc: ChildProcess;
  endpoints: Map<string, ServedEndpoint>;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then the exit status */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startServe(w: World, args: string[], env: Record<string, string | undefined> = {}): Promise<Serving> {
  const merged: Record<string, string> = { ...w.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  const proc = spawn(BIN, ["serve", ...args], { env: merged, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => proc.on("exit", (code, signal) => ok({ code, signal })));
  let exited = false;
  void exit.then(() => (exited = true));
  const until = Date.now() + 20_000;
  while (!/sesame: serving/.test(err)) {
    if (exited || Date.now() > until) {
      killGroup(proc);
      throw new Error(`sesame serve did not start: ${err}`);
    }
    await Bun.sleep(20);
  }
  const endpoints = new Map<string, ServedEndpoint>();
  let cur: ServedEndpoint | undefined;
  for (const line of out.split("\n")) {
    const m = /^# session (.+)$/.exec(line);
    if (m) endpoints.set(m[1]!, (cur = { uri: "", tokenFile: "" }));
    else if (cur && line.startsWith("AWS_CONTAINER_CREDENTIALS_FULL_URI=")) cur.uri = line.slice(line.indexOf("=") + 1);
    else if (cur && line.startsWith("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=")) cur.tokenFile = line.slice(line.indexOf("=") + 1);
    else if (cur && line.startsWith("AWS_EC2_METADATA_SERVICE_ENDPOINT=")) cur.imds = line.slice(line.indexOf("=") + 1);
  }
  return {
    proc,
    endpoints,
    stdout: () => out,
    stderr: () => err,
    exit,
    stop: async () => {
      try {
        proc.kill("SIGTERM");
      } catch {
        /* gone */
      }
      return exit;
    },
  };
}

/** Whatever happens in a test, nothing it started outlives it (the group is sesame's: setsid). */
export function killGroup(proc: ChildProcess): void {
  try {
    process.kill(-proc.pid!, "SIGKILL");
  } catch {
    /* already gone */
  }
}

export const tokenOf = (ep: ServedEndpoint): string => readFileSync(ep.tokenFile, "utf8");

export interface RawReply {
  status: number;
  head: string;
  body: string;
  /** the whole reply as received (empty when the server closed without answering) */
  raw: string;
}

/** Sends `text` as is and reads until the server closes the connection. */
export function rawExchange(port: number, text: string, host = "127.0.0.1", opts: { keepOpen?: boolean; limitMs?: number } = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, host);
    let buf = "";
    const limit = setTimeout(() => {
      sock.destroy();
      reject(new Error("the server did not close the connection"));
    }, opts.limitMs ?? 15_000);
    sock.on("data", (d) => (buf += d));
    sock.on("error", () => {
      /* a reset counts as a close */
    });
    sock.on("close", () => {
      clearTimeout(limit);
      const split = buf.indexOf("\r\n\r\n");
      const head = split < 0 ? buf : buf.slice(0, split);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({ status: m ? Number(m[1]) : 0, head, body: split < 0 ? "" : buf.slice(split + 4), raw: buf });
    });
    sock.write(text);
  });
}

export function httpRequest(uri: string, opts: { method?: string; path?: string; headers?: Record<string, string>; host?: string | null; body?: string } = {}): Promise<RawReply> {
  const u = new URL(uri);
  const lines = [`${opts.method ?? "GET"} ${opts.path ?? u.pathname} HTTP/1.1`];
  if (opts.host !== null) lines.push(`Host: ${opts.host ?? u.host}`);
  for (const [k, v] of Object.entries(opts.headers ?? {})) lines.push(`${k}: ${v}`);
  if (opts.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(opts.body)}`);
  lines.push("Connection: close");
  const hostname = u.hostname.replace(/^\[|\]$/g, "");
  return rawExchange(Number(u.port), lines.join("\r\n") + "\r\n\r\n" + (opts.body ?? ""), hostname);
}
