// Baked in by scripts/build.ts through `define`; "dev" when run from source (bun or deno).
declare const SESAME_VERSION: string | undefined;
export const VERSION: string = typeof SESAME_VERSION === "string" ? SESAME_VERSION : "dev";
