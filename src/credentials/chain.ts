// Session → Provider: the only switch on session.type. Every hop is wrapped in cached(), so renewing
// the last hop of a chain does not repeat the first. Loaded only on a cache miss.
import type { Catalog, Session } from "../catalog/types.ts";
import { NotSupportedYet, SesameError } from "../errors.ts";
import { assumeRole } from "./assume-role.ts";
import { cached } from "./cached.ts";
import { iamUser } from "./iam-user.ts";
import { ssoRole } from "./sso.ts";
import { rolesAnywhere } from "./roles-anywhere.ts";
import { hopIdentity } from "./identity.ts";
import type { Deps, Provider } from "./types.ts";

export function providerFor(s: Session, cat: Catalog, d: Deps): Provider {
  const id = hopIdentity(cat, s, d.env, d.generation ?? "");
  switch (s.type) {
    case "iam-user":
      return named(s, cached(s.name, id, d, iamUser(s, cat, d)));
    case "assume-role": {
      const src = cat.sessions.get(s.source);
      if (!src) throw new Error(`source ${s.source} missing after validation`);
      return named(s, cached(s.name, id, d, assumeRole(s, cat, providerFor(src, cat, d), d)));
    }
    case "sso":
      return named(s, cached(s.name, id, d, ssoRole(s, cat, d)));
    case "roles-anywhere":
      return named(s, cached(s.name, id, d, rolesAnywhere(s, d)));
    case "web-identity":
      return () => Promise.reject(new NotSupportedYet(`session "${s.name}": type = "web-identity"`));
  }
}

/** Prefix errors with the hop that failed, once, so a refusal deep in a chain says where it happened. */
function named(s: Session, p: Provider): Provider {
  return async () => {
    try {
      return await p();
    } catch (e) {
      if (e instanceof SesameError && !e.message.startsWith("session \"")) {
        e.message = `session "${s.name}": ${e.message}`;
      }
      throw e;
    }
  };
}
