// Lookups in a parsed catalog: a session by name, an sso-session, and the one region rule. Apart from
// catalog.ts (which re-exports all of it) so that the warm path, which gets its catalog from the memo
// (memo.ts), loads neither the TOML parser nor the validator.
import { CatalogError, UsageError } from "../errors.ts";
import { closest, nearest } from "./suggest.ts";
import type { Catalog, Session, SsoSessionDef } from "./types.ts";

export const NO_CATALOG_FIX = "create it (see the README for an example) or pass --config PATH";

/** A name the user typed that the catalog lacks is a usage error (exit 2), with the likeliest names. */
export function sessionNamed(cat: Catalog, name: string): Session {
  const s = cat.sessions.get(name);
  if (!s) throw new UsageError(`no session named "${name}" in ${cat.file}`, unknownSessionFix(cat, name));
  return s;
}

/** The sso-session `login`, `logout` and `sso sync` name: an sso-session, or a session that uses one. */
export function ssoSessionNamed(cat: Catalog, name: string): SsoSessionDef {
  const sso = cat.ssoSessions.get(name);
  if (sso) return sso;
  // Accept a session name too: `sesame login dev-admin` logs in to the SSO that session uses.
  const s = cat.sessions.get(name);
  if (s?.type === "sso") return cat.ssoSessions.get(s.sso_session)!;
  const names = [...cat.ssoSessions.keys()];
  throw new CatalogError(cat.file, undefined, `no sso-session named "${name}"`, names.length ? `known sso-sessions: ${names.join(", ")}` : `add [sso-session.${name}] with sso_start_url and sso_region`);
}

function unknownSessionFix(cat: Catalog, name: string): string {
  const names = [...cat.sessions.keys()];
  if (names.length === 0) return "add a [session.NAME] table";
  const near = closest(name, names);
  if (near !== undefined) return `did you mean "${near}"?`;
  if (names.length <= 8) return `known sessions: ${names.join(", ")}`;
  // A big catalog: the few nearest and the count, not a line cut in the middle of a name.
  return `nearest: ${nearest(name, names, 3).join(", ")} (${names.length} sessions; run: sesame list)`;
}

/**
 * The region of a session, one rule for every command (docs/environment.md "Regions"):
 * the session's `region`, else `[defaults] region`, else for an sso session the `sso_region` of its
 * sso-session, else none. exec/env set AWS_REGION to it, profiles sync writes it, list shows it ("-" for none).
 */
export function sessionRegion(s: Session, cat: Catalog): string | undefined {
  if (s.region) return s.region;
  if (cat.defaults.region) return cat.defaults.region;
  if (s.type === "sso") return cat.ssoSessions.get(s.sso_session)?.sso_region;
  return undefined;
}

/** The region STS is called in: the session's region, else us-east-1 (STS's global endpoint lives there). */
export function stsCallRegion(s: Session, cat: Catalog): string {
  return sessionRegion(s, cat) ?? "us-east-1";
}
