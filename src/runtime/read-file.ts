// Reading a small file on the warm path. The one place where Bun and other runtimes differ here:
// in Bun, mmap + an immediate copy costs almost nothing, while merely importing node:fs costs a fifth
// of the whole start-up (measured: docs/performance.md). Deno, Node and Windows use node:fs, imported
// only when needed. Files sesame writes are replaced by rename, never truncated in place, so a mapping
// cannot shrink under us; the copy keeps the window for a catalog edited in place to microseconds.
type BunLike = { mmap?: (path: string) => Uint8Array };

export async function readFileBytes(path: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const bun = (globalThis as { Bun?: BunLike }).Bun;
  if (bun?.mmap && process.platform !== "win32") {
    try {
      return new Uint8Array(bun.mmap(path));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      // an empty file cannot be mapped (EINVAL): read it the ordinary way below
    }
  }
  const { readFileSync, statSync } = await import("node:fs");
  try {
    // Only regular files: reading a FIFO someone put here would block forever.
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return undefined;
    if (!st.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: "ENOTFILE" });
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw e;
  }
}

export async function readFileText(path: string): Promise<string | undefined> {
  const b = await readFileBytes(path);
  return b === undefined ? undefined : new TextDecoder().decode(b);
}
