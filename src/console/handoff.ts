// Handing a console sign-in URL to the browser without letting another local user take it. A browser's
// command line stays readable by every local user (ps, /proc/PID/cmdline) for as long as the browser runs,
// and the sign-in token is a bearer credential for 15 minutes; a loopback link in argv is no better (another
// user can fetch it first). So the browser is started on a file: a 0600 HTML page in a fresh 0700 folder of
// the temporary folder, which redirects to http://127.0.0.1:PORT/<128-bit nonce>. The nonce is written only
// inside that file, which only this user (and root) can read; the loopback link answers it exactly once with
// a redirect to the sign-in URL and then closes. The file and its folder are removed when the hand-off ends
// (used, failed or timed out).
//
// One launch mode cannot take a file: page: Firefox refuses file: URLs from an extension (tabs.create: "Illegal
// URL"), so `--browser firefox-container` must put the loopback link itself in argv. There (ownerOnly) the link
// answers only a connection made by this user: the kernel's socket table (/proc/net/tcp on Linux) names the
// user that owns the connecting socket; any other user's request gets the 404 page and leaves the link unused.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export type HandoffResult = { outcome: "opened" } | { outcome: "timeout" } | { outcome: "failed"; why: string };

export interface HandoffOptions {
  /** Starts the browser on the hand-off page (a file: URL); calls fail() if the browser could not be started. */
  open: (pageUrl: string, fail: (why: string) => void, link: string) => boolean;
  timeoutMs: number;
  /** the link is answered only for a connection of this user (the link may then be put in argv) */
  ownerOnly?: boolean;
  /** who owns the socket connecting from clientPort to serverPort (tests); /proc/net/tcp by default */
  peerUid?: (serverPort: number, clientPort: number) => number | undefined;
  /** where the private folder is made; the system's temporary folder by default */
  parent?: string;
}

const GONE =
  '<!doctype html><meta charset="utf-8"><title>Link used</title><body style="font-family:sans-serif;margin:3em">' +
  "<h1>This sign-in link was already used</h1><p>Run <code>sesame console</code> again.</p></body>";

/** The page the browser opens: it goes on to the loopback link at once (meta refresh, or script when allowed). */
export function handoffPage(link: string): string {
  // link is http://127.0.0.1:PORT/<hex>: nothing in it needs escaping in HTML or in a JS string.
  return (
    '<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer">' +
    `<meta http-equiv="refresh" content="0;url=${link}"><title>Opening the AWS console…</title>` +
    `<script>location.replace("${link}")</script>` +
    `<body style="font-family:sans-serif;margin:3em"><p>Opening the AWS console… <a href="${link}">continue</a></p></body>`
  );
}

export async function handOff(target: string, o: HandoffOptions): Promise<HandoffResult> {
  const nonce = randomBytes(16).toString("hex");
  let settle!: (r: HandoffResult) => void;
  const done = new Promise<HandoffResult>((r) => (settle = r));
  let used = false;
  let port = 0;
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const stranger = o.ownerOnly && (o.peerUid ?? socketOwner)(port, req.socket.remotePort ?? -1) !== process.getuid?.();
    if (used || stranger || req.method !== "GET" || path !== `/${nonce}`) {
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
  port = (server.address() as { port: number }).port;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // mkdtemp makes the folder 0700 under an unpredictable name; the file is created 0600, never replaced.
  const dir = mkdtempSync(join(o.parent ?? tmpdir(), "sesame-console-"));
  try {
    const page = join(dir, "sign-in.html");
    writeFileSync(page, handoffPage(`http://127.0.0.1:${port}/${nonce}`), { mode: 0o600, flag: "wx" });
    if (!o.open(pathToFileURL(page).href, (why) => settle({ outcome: "failed", why }), `http://127.0.0.1:${port}/${nonce}`)) {
      return { outcome: "failed", why: "the browser could not be started" };
    }
    timer = setTimeout(() => settle({ outcome: "timeout" }), o.timeoutMs);
    return await done;
  } finally {
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
    server.close();
    server.closeAllConnections?.();
  }
}

/** The user owning the loopback socket 127.0.0.1:clientPort → 127.0.0.1:serverPort, from /proc/net/tcp. */
export function socketOwner(serverPort: number, clientPort: number): number | undefined {
  const hex = (n: number) => `0100007F:${n.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // sl local rem st tx:rx tr:when retrnsmt uid …; tcp6 shows an IPv4 peer as ::ffff:127.0.0.1
      const local = cols[1]?.replace(/^0{16}FFFF0000/, "");
      const rem = cols[2]?.replace(/^0{16}FFFF0000/, "");
      if (local === hex(clientPort) && rem === hex(serverPort) && cols[7] !== undefined) return Number(cols[7]);
    }
  }
  return undefined;
}

/** Whether this system lets socketOwner answer (Linux). */
export function canCheckSocketOwner(): boolean {
  try {
    readFileSync("/proc/net/tcp", "utf8");
    return typeof process.getuid === "function";
  } catch {
    return false;
  }
}
