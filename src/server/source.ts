// The one place the server gets credentials: the same resolve path as every other command (per-hop
// cache and locks included). Keep it the only call, so a change to that path changes the server too.
import type { Catalog, Session } from "../catalog/types.ts";
import type { Credentials } from "../types.ts";
import type { Env } from "../types.ts";

export async function sessionCredentials(cat: Catalog, s: Session, env: Env): Promise<Credentials> {
  const { resolveSession } = await import("../credentials/resolve.ts");
  return resolveSession(cat, s, env);
}

/** The role ARN the container JSON may carry, when the catalog says it. */
export function roleArnOf(s: Session): string | undefined {
  switch (s.type) {
    case "assume-role":
    case "web-identity":
      return s.role_arn;
    case "sso":
      return `arn:aws:iam::${s.sso_account_id}:role/${s.sso_role_name}`;
    case "iam-user":
      return undefined;
  }
}
