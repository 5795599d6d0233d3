// The loopback HTTP listener under both endpoints (container provider and IMDSv2), with the checks
// every request passes before any route sees it: the exact Host it listens on (DNS rebinding), no
// X-Forwarded-For (a proxy in front), no body, bounded headers and time.
// Two back ends behind one request shape: Bun.serve in the compiled binary (node:http under Bun costs
// ~3× Bun.serve per request, see docs/performance.md) and node:http elsewhere (Deno).
import { authority, type LoopbackHost } from "./loopback.ts";
import type { Peer } from "./peer.ts";
import type { Env } from "../types.ts";

export interface Reply {
  status: number;
  body: string;
  /** default application/json */
  type?: string;
  headers?: Record<string, string>;
}

/** What a route sees of a request: the same under both back ends. */
export interface Req {
  method: string;
  /** the path, without the query */
  path: string;
  /** a header by lower-case name */
  header(name: string): string | undefined;
  /** bytes of all header lines, for the size bound */
  headerBytes: number;
  /** the client's end of the connection, and ours (for peerUid) */
  peer?: Peer;
  local: Peer;
}

export type Route = (req: Req) => Reply | Promise<Reply>;

/** Above this many bytes of request headers the request is refused (431); SDKs send well under 1 KiB. */
export const MAX_HEADER_BYTES = 8192;

export interface Listener {
  host: LoopbackHost;
  port: number;
  /** http://127.0.0.1:PORT (no trailing slash) */
  origin: string;
  close(): Promise<void>;
}

export const json = (status: number, o: unknown, headers?: Record<string, string>): Reply => ({ status, body: JSON.stringify(o), headers });
export const message = (status: number, text: string): Reply => json(status, { Message: text });

/** Time a request may take from its first byte to its answer (SESAME_SERVER_TIMEOUT_MS lets tests shorten it). */
export function requestTimeoutMs(env: Env): number {
  const v = Number(env.SESAME_SERVER_TIMEOUT_MS);
  return Number.isInteger(v) && v > 0 ? v : 10_000;
}

export function listen(host: LoopbackHost, port: number, route: Route, timeoutMs: number): Promise<Listener> {
  return typeof Bun !== "undefined" ? listenBun(host, port, route, timeoutMs) : listenNode(host, port, route, timeoutMs);
}

/** The checks common to every route, then the route; never throws. */
async function answer(req: Req, expectedHost: string, route: Route): Promise<Reply> {
  try {
    return precheck(req, expectedHost) ?? (await route(req));
  } catch {
    return message(500, "internal error");
  }
}

function precheck(req: Req, expectedHost: string): Reply | undefined {
  if (req.headerBytes > MAX_HEADER_BYTES) return message(431, "request headers too large");
  // DNS rebinding: a web page whose name now resolves to 127.0.0.1 still sends its own name as Host.
  if (req.header("host") !== expectedHost) return message(403, "the Host header does not name this endpoint");
  // IMDS refuses forwarded requests: a proxy (or a server-side request forgery) is in between.
  if (req.header("x-forwarded-for") !== undefined) return message(403, "forwarded requests are refused");
  const len = req.header("content-length");
  if ((len !== undefined && len !== "0") || req.header("transfer-encoding") !== undefined) return message(413, "a request body is not accepted");
  return undefined;
}

function headersOf(reply: Reply): Record<string, string> {
  return { "Content-Type": reply.type ?? "application/json", "Cache-Control": "no-store", ...reply.headers };
}

function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

// ---------------------------------------------------------------------------------------------- Bun

async function listenBun(host: LoopbackHost, port: number, route: Route, timeoutMs: number): Promise<Listener> {
  let expectedHost = "";
  let actual = port;
  const server = Bun.serve({
    hostname: host,
    port,
    // Slow clients (slowloris) lose their socket; the bound is in whole seconds here.
    idleTimeout: Math.min(255, Math.max(1, Math.ceil(timeoutMs / 1000))),
    maxRequestBodySize: 1024,
    async fetch(request: Request, srv): Promise<Response> {
      const url = request.url;
      const start = url.indexOf("/", url.indexOf("//") + 2);
      let bytes = 0;
      request.headers.forEach((v, k) => (bytes += k.length + v.length + 4));
      const req: Req = {
        method: request.method,
        path: pathOf(start < 0 ? "/" : url.slice(start)),
        header: (name) => request.headers.get(name) ?? undefined,
        headerBytes: bytes,
        peer: srv.requestIP(request) ?? undefined,
        local: { address: host, port: actual },
      };
      const reply = await answer(req, expectedHost, route);
      return new Response(reply.body, { status: reply.status, headers: headersOf(reply) });
    },
  });
  actual = server.port ?? port;
  expectedHost = authority(host, actual);
  return { host, port: actual, origin: `http://${expectedHost}`, close: async () => void (await server.stop(true)) };
}

// -------------------------------------------------------------------------------------- node:http

async function listenNode(host: LoopbackHost, port: number, route: Route, timeoutMs: number): Promise<Listener> {
  const { createServer } = await import("node:http");
  let expectedHost = "";
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (request, res) => {
    let bytes = 0;
    for (const h of request.rawHeaders) bytes += h.length + 2;
    const req: Req = {
      method: request.method ?? "GET",
      path: pathOf(request.url ?? "/"),
      header: (name) => {
        const v = request.headers[name];
        return Array.isArray(v) ? v.join(", ") : v;
      },
      headerBytes: bytes,
      peer: request.socket.remoteAddress ? { address: request.socket.remoteAddress, port: request.socket.remotePort ?? 0 } : undefined,
      local: { address: request.socket.localAddress ?? host, port: request.socket.localPort ?? 0 },
    };
    void answer(req, expectedHost, route).then((reply) => {
      if (res.writableEnded || res.destroyed) return;
      res.writeHead(reply.status, { ...headersOf(reply), "Content-Length": Buffer.byteLength(reply.body) });
      res.end(reply.body);
      // A request body is never read: drain whatever arrived so the socket can be reused or closed.
      request.resume();
    });
  });
  // Slow clients (slowloris) lose their socket; keep-alive connections idle out.
  server.headersTimeout = timeoutMs;
  server.requestTimeout = timeoutMs;
  server.keepAliveTimeout = 5000;
  server.on("connection", (sock) => sock.setTimeout(timeoutMs, () => sock.destroy()));
  server.on("clientError", (err: NodeJS.ErrnoException, sock) => {
    // Oversized or malformed requests: a bare answer, then the socket goes.
    const status = err.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
    if (sock.writable) sock.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else sock.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const addr = server.address();
      const actual = typeof addr === "object" && addr ? addr.port : port;
      expectedHost = authority(host, actual);
      resolve({
        host,
        port: actual,
        origin: `http://${expectedHost}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as typeof server & { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
  });
}
