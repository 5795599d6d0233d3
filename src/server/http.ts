// The loopback HTTP listener under both endpoints (container provider and IMDSv2), with the checks
// every request passes before any route sees it: the exact Host it listens on (DNS rebinding), no
// X-Forwarded-For (a proxy in front), no body, bounded headers and time. node:http, because the
// compiled Bun binary and Deno both provide it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { authority, type LoopbackHost } from "./loopback.ts";

export interface Reply {
  status: number;
  body: string;
  /** default application/json */
  type?: string;
  headers?: Record<string, string>;
}

export type Route = (req: IncomingMessage, path: string) => Reply | Promise<Reply>;

/** Above this many bytes of request headers the request is refused (431); SDKs send well under 1 KiB. */
export const MAX_HEADER_BYTES = 8192;

export interface Listener {
  server: Server;
  host: LoopbackHost;
  port: number;
  /** http://127.0.0.1:PORT (no trailing slash) */
  origin: string;
  close(): Promise<void>;
}

export const json = (status: number, o: unknown, headers?: Record<string, string>): Reply => ({ status, body: JSON.stringify(o), headers });
export const message = (status: number, text: string): Reply => json(status, { Message: text });

/** Time a request may take from its first byte to its answer (SESAME_SERVER_TIMEOUT_MS lets tests shorten it). */
export function requestTimeoutMs(env: Record<string, string | undefined>): number {
  const v = Number(env.SESAME_SERVER_TIMEOUT_MS);
  return Number.isInteger(v) && v > 0 ? v : 10_000;
}

export function listen(host: LoopbackHost, port: number, route: Route, timeoutMs: number): Promise<Listener> {
  let expectedHost = "";
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    void handle(req, res, expectedHost, route);
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
        server,
        host,
        port: actual,
        origin: `http://${expectedHost}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
  });
}

function headerBytes(req: IncomingMessage): number {
  let n = 0;
  for (const h of req.rawHeaders) n += h.length + 2;
  return n;
}

async function handle(req: IncomingMessage, res: ServerResponse, expectedHost: string, route: Route): Promise<void> {
  let reply: Reply;
  try {
    reply = precheck(req, expectedHost) ?? (await route(req, pathOf(req.url ?? "/")));
  } catch {
    reply = message(500, "internal error");
  }
  if (res.writableEnded || res.destroyed) return;
  const body = reply.body;
  res.writeHead(reply.status, {
    "Content-Type": reply.type ?? "application/json",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    ...reply.headers,
  });
  res.end(body);
  // A request body is never read: drain whatever arrived so the socket can be reused or closed.
  req.resume();
}

/** The checks common to every route; undefined when the request may go on. */
function precheck(req: IncomingMessage, expectedHost: string): Reply | undefined {
  if (headerBytes(req) > MAX_HEADER_BYTES) return message(431, "request headers too large");
  // DNS rebinding: a web page whose name now resolves to 127.0.0.1 still sends its own name as Host.
  if (req.headers.host !== expectedHost) return message(403, "the Host header does not name this endpoint");
  // IMDS refuses forwarded requests: a proxy (or a server-side request forgery) is in between.
  if (req.headers["x-forwarded-for"] !== undefined) return message(403, "forwarded requests are refused");
  const len = req.headers["content-length"];
  if ((len !== undefined && len !== "0") || req.headers["transfer-encoding"] !== undefined) return message(413, "a request body is not accepted");
  return undefined;
}

function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}
