// Puts a credentials server together for `exec --server` and `serve`: the renewer, the container
// listener (one route and one token per session), an IMDS listener per session with --imds, and the
// token files (0600, in a 0700 folder of their own that close() removes).
import { sessionRegion } from "../catalog/catalog.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hopMargins, type Catalog } from "../catalog/types.ts";
import { sessionNamed } from "../catalog/load.ts";
import { writeFileAtomic } from "../runtime/files.ts";
import { containerPath, containerRoute, type ServedSession } from "./container-route.ts";
import { listen, requestTimeoutMs, type Listener } from "./http.ts";
import { UsageError } from "../errors.ts";
import { imdsRoute } from "./imds-route.ts";
import { loopbackHost } from "./loopback.ts";
import { Renewer, type Fetch } from "./renewer.ts";
import { roleArnOf, sessionCredentials } from "./source.ts";
import { newToken } from "./token.ts";
import type { Env } from "../types.ts";

export interface ServiceOptions {
  port?: number;
  bind?: string;
  imds?: boolean;
  env: Env;
  /** stand-in for the resolve path (tests, bench) */
  fetch?: Fetch;
  report?: (line: string) => void;
}

export interface Endpoint {
  name: string;
  region?: string;
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI */
  uri: string;
  token: string;
  /** AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE */
  tokenFile: string;
  /** AWS_EC2_METADATA_SERVICE_ENDPOINT, with --imds */
  imdsEndpoint?: string;
}

export interface Service {
  endpoints: Endpoint[];
  renewer: Renewer;
  listeners: Listener[];
  close(): Promise<void>;
}

/**
 * Fetches every session once (prompts are still allowed here, before serving), then forbids prompts
 * and starts listening. A session whose first fetch fails is still served: its requests get the error
 * until it recovers.
 */
export async function startService(cat: Catalog, names: readonly string[], opts: ServiceOptions): Promise<Service> {
  const host = loopbackHost(opts.bind);
  const sessions = names.map((n) => sessionNamed(cat, n));
  const fetch: Fetch = opts.fetch ?? ((name) => sessionCredentials(cat, sessionNamed(cat, name), opts.env));
  const renewer = new Renewer(names, fetch, { marginSeconds: cat.defaults.refreshMargin, marginFor: (n) => hopMargins(sessionNamed(cat, n), cat.defaults).refreshMargin, report: opts.report });
  for (const n of names) await renewer.prime(n);
  (await import("../tty.ts")).forbidPrompts();

  const dir = mkdtempSync(join(opts.env.XDG_RUNTIME_DIR || tmpdir(), "sesame-server-"));
  const listeners: Listener[] = [];
  const cleanup = async () => {
    renewer.stop();
    await Promise.all(listeners.map((l) => l.close()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const served: ServedSession[] = sessions.map((s) => ({ name: s.name, token: newToken(), roleArn: roleArnOf(s) }));
    const timeout = requestTimeoutMs(opts.env);
    const main = await listen(host, opts.port ?? 0, containerRoute(served, renewer), timeout);
    listeners.push(main);
    const endpoints: Endpoint[] = [];
    for (const [i, s] of served.entries()) {
      const tokenFile = join(dir, `${s.name}.token`);
      writeFileAtomic(tokenFile, s.token);
      const ep: Endpoint = { name: s.name, uri: main.origin + containerPath(s.name), token: s.token, tokenFile };
      const region = sessionRegion(sessions[i]!, cat);
      if (region) ep.region = region;
      if (opts.imds) {
        const imds = await listen(host, 0, imdsRoute(s.name, renewer), timeout);
        listeners.push(imds);
        ep.imdsEndpoint = imds.origin + "/";
      }
      endpoints.push(ep);
    }
    return { endpoints, renewer, listeners, close: cleanup };
  } catch (e) {
    await cleanup();
    if ((e as NodeJS.ErrnoException).code === "EADDRINUSE") throw new UsageError(`port ${opts.port} is already in use`, "pick another --port, or leave it out for a free one");
    throw e;
  }
}
