// The loopback end of a browser sign-in with PKCE (IAM Identity Center's, AWS Sign-In's): the identity
// provider sends the browser back to http://127.0.0.1:PORT/oauth/callback?code=…&state=…, and the caller
// exchanges the code with the verifier only this process knows.
//
// Any local program (or a web page, through the browser) can send requests to the loopback port, so only
// an answer for this sign-in counts: a GET of /oauth/callback with this sign-in's `state`, addressed to
// 127.0.0.1:PORT or localhost:PORT (a foreign Host is a DNS-rebinding page). Anything else gets a 400 and
// the sign-in keeps waiting. The browser's request is held open until the caller has exchanged the code,
// so the page says "Signed in" only once the caller has its token.
import { createServer, type ServerResponse, type Server } from "node:http";

const PAGE = (title: string, body: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${body}</p></body>`;
const HTML = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer" };

/** What the browser brought back: a code (answer the page with `finish`), an error, or nothing in time. */
export type Redirect = { code: string; finish(ok: boolean, detail: string): void } | { error: string };

export interface LoopbackRedirect {
  redirectUri: string;
  /** waits for this sign-in's answer, at most `timeoutMs`; `{ error: "timeout" }` then */
  answer(timeoutMs: number): Promise<Redirect>;
  close(): void;
}

export async function loopbackRedirect(state: string, onServer?: (s: Server) => void): Promise<LoopbackRedirect> {
  let settle!: (r: Redirect) => void;
  const answered = new Promise<Redirect>((r) => (settle = r));
  let port = 0;
  let taken = false;
  let held: ServerResponse | undefined;
  const server = createServer((req, res) => {
    const host = (req.headers.host ?? "").toLowerCase();
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      res.writeHead(400, HTML).end(PAGE("Wrong address", "sesame answers only at 127.0.0.1."));
      return;
    }
    if (req.method !== "GET" || u.pathname !== "/oauth/callback") {
      res.writeHead(404, HTML).end();
      return;
    }
    if (taken || u.searchParams.get("state") !== state) {
      // Not the answer to the sign-in sesame started (or a second one): ignored, the sign-in keeps waiting.
      res.writeHead(400, HTML).end(PAGE("Not this sign-in", "This answer does not belong to the sign-in sesame is waiting for."));
      return;
    }
    taken = true;
    const error = u.searchParams.get("error");
    const code = u.searchParams.get("code");
    if (error || !code) {
      res.writeHead(200, HTML).end(PAGE("Sign-in failed", "You can close this tab and run sesame login again."));
      settle({ error: error ?? "no_code" });
      return;
    }
    held = res;
    settle({
      code,
      finish(ok, detail) {
        if (!held) return;
        reply(held, ok ? PAGE("Signed in", detail) : PAGE("Sign-in failed", detail));
        held = undefined;
      },
    });
  });
  await new Promise<void>((r, j) => server.listen(0, "127.0.0.1", r).once("error", j));
  onServer?.(server);
  port = (server.address() as { port: number }).port;
  return {
    redirectUri: `http://127.0.0.1:${port}/oauth/callback`,
    async answer(timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<Redirect>((r) => (timer = setTimeout(() => r({ error: "timeout" }), timeoutMs)));
      try {
        return await Promise.race([answered, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      if (held) reply(held, PAGE("Sign-in failed", "See the terminal."));
      held = undefined;
      server.close();
      server.closeAllConnections?.();
    },
  };
}

function reply(res: ServerResponse, page: string): void {
  try {
    res.writeHead(200, HTML).end(page);
  } catch {
    /* the browser went away */
  }
}
