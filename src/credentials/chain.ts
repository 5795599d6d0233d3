// Session → Provider: the only switch on session.type. Every hop is wrapped in cached(), so renewing
// the last hop of a chain does not repeat the first. Loaded only on a cache miss.
import { hopMargins, type Catalog, type Session } from "../catalog/types.ts";
import { SesameError } from "../errors.ts";
import { assumeRole } from "./assume-role.ts";
import { cached, type CachedProvider } from "./cached.ts";
import { iamUser } from "./iam-user.ts";
import { ssoRole } from "./sso.ts";
import { rolesAnywhere } from "./roles-anywhere.ts";
import { webIdentity } from "./web-identity.ts";
import { saml } from "./saml.ts";
import { awsLogin } from "./aws-login.ts";
import { assumedDirectly, directRole } from "./direct-role.ts";
import { hopIdentity } from "./identity.ts";
import type { ChainOptions, Deps, Provider } from "./types.ts";

export function providerFor(s: Session, cat: Catalog, d: Deps, o: ChainOptions): CachedProvider {
  const p = cachedProviderFor(s, cat, d, o);
  return Object.assign(named(s, p), { drop: p.drop });
}

/**
 * The session's own fetch, uncached, with every hop upstream of it cached: for a caller that runs the
 * session's single flight itself (credential-process, which waits at that lock before loading this module).
 */
export function upstreamFetch(s: Session, cat: Catalog, d: Deps, o: ChainOptions): Provider {
  return named(s, fetcherFor(s, cat, d, o));
}

/** The hop's cached provider, with `drop` for its entry; errors not yet prefixed with the session name. */
function cachedProviderFor(s: Session, cat: Catalog, d: Deps, o: ChainOptions): CachedProvider {
  return cached(s.name, hopIdentity(cat, s, d.env, o.generation), d, { ...o, ...hopMargins(s, cat.defaults, o) }, fetcherFor(s, cat, d, o));
}

/** What the hop asks AWS for once its cache entry is missing or due. */
function fetcherFor(s: Session, cat: Catalog, d: Deps, o: ChainOptions): Provider {
  switch (s.type) {
    case "iam-user":
      return iamUser(s, cat, d);
    case "assume-role": {
      const src = cat.sessions.get(s.source);
      if (!src) throw new Error(`source ${s.source} missing after validation`);
      // Longer than 1 hour from an IAM user: with the user's key, no session hop in between (direct-role.ts).
      if (src.type === "iam-user" && assumedDirectly(s, src)) return directRole(s, src, cat, d);
      const source = cachedProviderFor(src, cat, d, o);
      return assumeRole(s, cat, named(src, source), d, source.drop);
    }
    case "sso":
      return ssoRole(s, cat, d);
    case "roles-anywhere":
      return rolesAnywhere(s, d);
    case "web-identity":
      return webIdentity(s, cat, d);
    case "saml":
      return saml(s, cat, d);
    case "aws-login":
      return awsLogin(s, d, o);
  }
}

/** Errors record the hop that failed (the innermost one), so a refusal deep in a chain says where it happened. */
function named(s: Session, p: Provider): Provider {
  return async () => {
    try {
      return await p();
    } catch (e) {
      if (e instanceof SesameError) e.at(s.name);
      throw e;
    }
  };
}
