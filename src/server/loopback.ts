// Where a credentials endpoint may listen: a loopback address only. Anything else would hand
// credentials to the network; `--bind` with another address is refused before anything listens.
import { UsageError } from "../errors.ts";

export type LoopbackHost = "127.0.0.1" | "::1";

export function loopbackHost(bind: string | undefined): LoopbackHost {
  if (bind === undefined || bind === "" || bind === "127.0.0.1") return "127.0.0.1";
  if (bind === "::1" || bind === "[::1]") return "::1";
  throw new UsageError(`--bind ${bind.replace(/[\x00-\x1f\x7f-\x9f]/g, "?").slice(0, 64)} is not a loopback address: the endpoint hands out credentials, so it listens on 127.0.0.1 or ::1 only`, "use --bind 127.0.0.1 or --bind ::1 (a container reaches it through the host's loopback, see docs/server.md)");
}

/** The authority (host:port) clients put in their URL and Host header. */
export function authority(host: LoopbackHost, port: number): string {
  return host === "::1" ? `[::1]:${port}` : `${host}:${port}`;
}

export function parsePort(value: string | number | undefined): number {
  if (value === undefined) return 0;
  const s = String(value);
  if (!/^\d{1,5}$/.test(s) || Number(s) > 65535) throw new UsageError(`--port ${s.replace(/[\x00-\x1f\x7f]/g, "?").slice(0, 20)} is not a port number`, "give a number from 1 to 65535, or leave --port out for a free one");
  return Number(s);
}
