// sesame serve: a standing credentials endpoint for several sessions (containers, VMs, processes
// started elsewhere). Prints the environment lines each consumer needs; stops on SIGINT/SIGTERM/SIGHUP
// and removes its token files.
import { catalogPath, stateDir } from "../locations.ts";
import { loadCatalogMemo, sessionNamed } from "../catalog/load.ts";
import { UsageError } from "../errors.ts";
import { parsePort } from "../server/loopback.ts";
import type { Env } from "../types.ts";

export interface ServeOptions {
  config?: string;
  session?: string | string[];
  all?: boolean;
  port?: string | number;
  bind?: string;
  imds?: boolean;
}

export async function serve(opts: ServeOptions, env: Env = process.env): Promise<number> {
  const named = opts.session === undefined ? [] : (Array.isArray(opts.session) ? opts.session : [opts.session]).map(String);
  if (named.length && opts.all) throw new UsageError("serve: give --session NAME or --all, not both", "usage: sesame serve --session NAME [--session NAME…] | --all");
  if (!named.length && !opts.all) throw new UsageError("serve: which sessions?", "usage: sesame serve --session NAME [--session NAME…] | --all");
  const port = parsePort(opts.port);
  const cat = await loadCatalogMemo(catalogPath(opts.config, env), stateDir(env));
  const names = opts.all ? [...cat.sessions.keys()] : [...new Set(named)];
  for (const n of names) sessionNamed(cat, n); // unknown names fail here, before anything listens
  if (!names.length) throw new UsageError("serve --all: the catalog has no sessions", "add a session to the catalog first");

  const { startService } = await import("../server/service.ts");
  const svc = await startService(cat, names, { env, port, bind: opts.bind, imds: opts.imds });
  const lines: string[] = [];
  for (const ep of svc.endpoints) {
    lines.push(`# session ${ep.name}`, `AWS_CONTAINER_CREDENTIALS_FULL_URI=${ep.uri}`, `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=${ep.tokenFile}`);
    if (ep.imdsEndpoint) lines.push(`AWS_EC2_METADATA_SERVICE_ENDPOINT=${ep.imdsEndpoint}`);
  }
  process.stdout.write(lines.join("\n") + "\n");
  console.error(`sesame: serving ${names.length} session${names.length === 1 ? "" : "s"} on ${svc.listeners[0]!.origin} (Ctrl-C stops)`);

  await new Promise<void>((done) => {
    const stop = () => done();
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      try {
        process.once(sig, stop);
      } catch {
        /* a signal this platform cannot listen for */
      }
    }
  });
  await svc.close();
  console.error("sesame: stopped; token files removed");
  return 0;
}
