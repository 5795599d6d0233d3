// Who is on the other end of a loopback connection: on Linux, /proc/net/tcp{,6} names the user that owns
// each socket, so the IMDS endpoint (which, like IMDS, has no client secret before its PUT) can refuse
// other users' processes. Elsewhere the owner is unknown and undefined is returned.
import { readFileSync } from "node:fs";

export interface Peer {
  address: string;
  port: number;
}

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, "0");
}

/** The kernel's spelling of an address: 32-bit words in host (little-endian) order. */
function hexAddress(address: string): { file: "tcp" | "tcp6"; hex: string } | undefined {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/i.exec(address);
  if (v4) {
    const b = v4.slice(1, 5).map((x) => Number(x).toString(16).toUpperCase().padStart(2, "0"));
    return { file: address.includes(":") ? "tcp6" : "tcp", hex: address.includes(":") ? `0000000000000000FFFF0000${b[3]}${b[2]}${b[1]}${b[0]}` : `${b[3]}${b[2]}${b[1]}${b[0]}` };
  }
  if (address === "::1") return { file: "tcp6", hex: "00000000000000000000000001000000" };
  return undefined;
}

/** The uid owning the client's socket of the connection `client` → `server`; -1 when the kernel lists no
 *  such connection; undefined where there is no /proc/net (not Linux). */
export function peerUid(client: Peer, server: Peer): number | undefined {
  const c = hexAddress(client.address);
  const s = hexAddress(server.address);
  if (!c || !s) return -1;
  const local = `${c.hex}:${hexPort(client.port)}`;
  const remote = `${s.hex}:${hexPort(server.port)}`;
  let text: string;
  try {
    text = readFileSync(`/proc/net/${c.file}`, "latin1");
  } catch {
    return undefined; // not Linux
  }
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[2] === remote) return Number(f[7]);
  }
  return -1;
}
