// Handing a console sign-in URL to the browser without putting it in argv. A browser's command line stays
// readable by every local user (ps, /proc/PID/cmdline) for as long as the browser runs, and the sign-in
// token is a bearer credential for 15 minutes. So the browser is started with a one-time loopback address,
// http://127.0.0.1:PORT/<128-bit nonce>, that answers exactly once with a redirect to the sign-in URL and
// then closes. If someone else fetches it first, the user's browser gets nothing and sesame says so.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";

export type HandoffResult = { outcome: "opened" } | { outcome: "timeout" } | { outcome: "failed"; why: string };

export interface HandoffOptions {
  /** Starts the browser on the loopback address; calls fail() if the browser could not be started. */
  open: (loopbackUrl: string, fail: (why: string) => void) => boolean;
  timeoutMs: number;
}

const GONE =
  '<!doctype html><meta charset="utf-8"><title>Link used</title><body style="font-family:sans-serif;margin:3em">' +
  "<h1>This sign-in link was already used</h1><p>Run <code>sesame console</code> again.</p></body>";

export async function handOff(target: string, o: HandoffOptions): Promise<HandoffResult> {
  const nonce = randomBytes(16).toString("hex");
  let settle!: (r: HandoffResult) => void;
  const done = new Promise<HandoffResult>((r) => (settle = r));
  let used = false;
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (used || req.method !== "GET" || path !== `/${nonce}`) {
      res.writeHead(404, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(GONE);
      return;
    }
    used = true;
    // no-store: the redirect must not be replayed from a cache; no-referrer: the sign-in page never
    // learns the loopback address. The response is flushed before the server closes.
    res.on("finish", () => settle({ outcome: "opened" }));
    res.writeHead(302, { location: target, "cache-control": "no-store", "referrer-policy": "no-referrer", connection: "close" }).end();
  });
  await new Promise<void>((r, j) => server.listen(0, "127.0.0.1", r).once("error", j));
  const port = (server.address() as { port: number }).port;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    if (!o.open(`http://127.0.0.1:${port}/${nonce}`, (why) => settle({ outcome: "failed", why }))) {
      return { outcome: "failed", why: "the browser could not be started" };
    }
    timer = setTimeout(() => settle({ outcome: "timeout" }), o.timeoutMs);
    return await done;
  } finally {
    clearTimeout(timer);
    server.close();
    server.closeAllConnections?.();
  }
}
