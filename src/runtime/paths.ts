// Path helpers for the warm path, without node:path or node:os (each costs start-up time in a
// compiled binary). Forward slashes work on every platform sesame runs on.
import type { Env } from "../types.ts";

export function joinPath(...parts: string[]): string {
  return parts
    .filter((p) => p !== "")
    .map((p, i) => (i === 0 ? p.replace(/[\\/]+$/, "") : p.replace(/^[\\/]+|[\\/]+$/g, "")))
    .join("/");
}

export function isAbsolute(p: string): boolean {
  return p.startsWith("/") || p.startsWith("\\") || /^[A-Za-z]:[\\/]/.test(p);
}

export function absolutePath(p: string): string {
  return isAbsolute(p) ? p : joinPath(process.cwd(), p);
}

export function homeDir(env: Env): string {
  const h = env.HOME || env.USERPROFILE;
  if (h) return h;
  const os = process.getBuiltinModule?.("node:os") as typeof import("node:os") | undefined;
  return os?.homedir() ?? ".";
}
