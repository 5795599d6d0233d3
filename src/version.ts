// Baked in by scripts/build.ts through `define` (version, commit, target); "dev" when run from source (bun or deno).
declare const SESAME_VERSION: string | undefined;
declare const SESAME_COMMIT: string | undefined;
declare const SESAME_TARGET: string | undefined;
const built = typeof SESAME_VERSION === "string";
/** Also part of the catalog memo's key: it must change with every build, so it carries the commit. */
export const VERSION: string = built ? `${SESAME_VERSION}+${typeof SESAME_COMMIT === "string" ? SESAME_COMMIT : "unknown"}` : "dev";

/** What `sesame --version` prints: "sesame 0.1.0 (commit 1a2b3c4d5e6f, linux-arm64)". */
export function versionLine(): string {
  if (!built) return "sesame dev (run from source)";
  const commit = typeof SESAME_COMMIT === "string" ? SESAME_COMMIT : "unknown";
  const target = typeof SESAME_TARGET === "string" ? SESAME_TARGET : "unknown target";
  return `sesame ${SESAME_VERSION} (commit ${commit}, ${target})`;
}
