// Session → Provider: the only switch on session.type. Every hop is wrapped in cached(), so renewing
// the last hop of a chain does not repeat the first. Loaded only on a cache miss.
import type { Catalog, Session } from "../catalog/types.ts";
import { SesameError } from "../errors.ts";
import { assumeRole } from "./assume-role.ts";
import { cached, type CachedProvider } from "./cached.ts";
import { iamUser } from "./iam-user.ts";
import { ssoRole } from "./sso.ts";
import { webIdentity } from "./web-identity.ts";
import { saml } from "./saml.ts";
import { assumedDirectly, directRole } from "./direct-role.ts";
import { hopIdentity } from "./identity.ts";
import type { Deps, Provider } from "./types.ts";

export function providerFor(s: Session, cat: Catalog, d: Deps): CachedProvider {
  const p = cachedProviderFor(s, cat, d);
  return Object.assign(named(s, p), { drop: p.drop });
}

/** The hop's cached provider, with `drop` for its entry; errors not yet prefixed with the session name. */
function cachedProviderFor(s: Session, cat: Catalog, d: Deps): CachedProvider {
  const id = hopIdentity(cat, s, d.env, d.generation ?? "");
  switch (s.type) {
    case "iam-user":
      return cached(s.name, id, d, iamUser(s, cat, d));
    case "assume-role": {
      const src = cat.sessions.get(s.source);
      if (!src) throw new Error(`source ${s.source} missing after validation`);
      // Longer than 1 hour from an IAM user: with the user's key, no session hop in between (direct-role.ts).
      if (src.type === "iam-user" && assumedDirectly(s, src)) return cached(s.name, id, d, directRole(s, src, cat, d));
      const source = cachedProviderFor(src, cat, d);
      return cached(s.name, id, d, assumeRole(s, cat, named(src, source), d, source.drop));
    }
    case "sso":
      return cached(s.name, id, d, ssoRole(s, cat, d));
    case "web-identity":
      return cached(s.name, id, d, webIdentity(s, cat, d));
    case "saml":
      return cached(s.name, id, d, saml(s, cat, d));
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
