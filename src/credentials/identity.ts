// The identity of a hop: everything that changes the credentials it yields, including its whole source
// chain and the endpoints it talks to (every endpoint input sesame honours: AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_STS/_SSO/_SSO_OIDC, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, through aws/endpoints.ts; nothing
// from ~/.aws/config can change an endpoint, see aws/client-config.ts). It names the cache entry and is its AES-GCM associated data, so
// editing the catalog (role ARN, external id, duration, source …) never serves stale credentials.
// Pure and cheap: the warm path computes it without loading any AWS code.
import { stsCallRegion } from "../catalog/lookup.ts";
import type { Catalog, Session } from "../catalog/types.ts";
import { endpointOverride } from "../aws/endpoints.ts";
import { defaultRoleSessionName } from "./session-name.ts";
import { catalogIdentity } from "../store/catalog-identity.ts";
import { readGeneration, rootKey } from "../store/generation.ts";
import type { Env } from "../types.ts";

/** `generation`: of the chain's root of trust (store/generation.ts); "" before its first secret change. */
export function hopIdentity(cat: Catalog, s: Session, env: Env = process.env, generation = ""): string {
  const parts = hopParts(cat, s, env, new Set(), generation);
  return JSON.stringify(parts);
}

function hopParts(cat: Catalog, s: Session, env: Env, seen: Set<string>, gen: string, memo?: Map<string, unknown[]>): unknown[] {
  const known = memo?.get(s.name);
  if (known) return known;
  const root = rootParts(cat, s, env, seen, gen, memo);
  const parts = gen && s.type !== "assume-role" ? [...root, `gen:${gen}`] : root;
  memo?.set(s.name, parts);
  return parts;
}

function rootParts(cat: Catalog, s: Session, env: Env, seen: Set<string>, gen: string, memo?: Map<string, unknown[]>): unknown[] {
  if (seen.has(s.name)) throw new Error(`loop at ${s.name}`); // validate.ts refuses loops first
  seen.add(s.name);
  switch (s.type) {
    case "iam-user":
      // The keyring (backend, service, file) and the catalog are part of it: another store, or another
      // catalog's session of the same name, holds another key (store/catalog-secrets.ts).
      return ["iam-user/1", s.name, s.mfa_serial ?? null, s.duration_seconds ?? null, stsCallRegion(s, cat), endpointOverride("STS", env) ?? null,
        ...keyringParts(cat, env)];
    case "assume-role": {
      const src = cat.sessions.get(s.source);
      if (!src) throw new Error(`missing source ${s.source}`);
      return ["assume-role/1", s.name, s.role_arn, s.external_id ?? null, s.role_session_name ?? defaultRoleSessionName(env), s.duration_seconds ?? null,
        s.mfa_serial ?? null, stsCallRegion(s, cat), endpointOverride("STS", env) ?? null, hopParts(cat, src, env, seen, gen, memo)];
    }
    case "sso": {
      const sso = cat.ssoSessions.get(s.sso_session);
      // Both endpoints: the portal that issues the credentials and the OIDC service that issued its token;
      // and where its sign-in is kept (keyring, catalog).
      return ["sso/1", s.name, s.sso_account_id, s.sso_role_name, sso?.sso_start_url ?? null, sso?.sso_region ?? null, endpointOverride("SSO", env) ?? null,
        endpointOverride("SSO_OIDC", env) ?? null, ...keyringParts(cat, env)];
    }
    case "roles-anywhere":
      // The certificate's fingerprint, never the key: a renewed certificate is a new identity.
      return ["roles-anywhere/1", s.name, fileFingerprint(s.certificate), s.certificate_chain ?? null, s.trust_anchor_arn, s.profile_arn, s.role_arn,
        s.role_session_name ?? null, s.duration_seconds ?? null, endpointOverride("ROLESANYWHERE", env) ?? null];
    case "web-identity":
      // Where the token comes from, never the token; for the GitHub Actions service its job's request URL
      // (not a secret: its bearer token is), so one runner's jobs do not share credentials.
      return ["web-identity/1", s.name, s.role_arn, s.web_identity_token_file ?? null, s.web_identity_token_command ?? null, s.role_session_name ?? defaultRoleSessionName(env),
        s.duration_seconds ?? null, stsCallRegion(s, cat), endpointOverride("STS", env) ?? null,
        ...(s.web_identity_token_file || s.web_identity_token_command ? [] : ["github-actions", s.audience ?? "sts.amazonaws.com", env.ACTIONS_ID_TOKEN_REQUEST_URL ?? null])];
    case "aws-login":
      // Where its sign-in is kept (keyring, catalog) and the Sign-In endpoint that renews it; a new
      // sign-in is a new generation (signin/login.ts via commands/login.ts).
      return ["aws-login/1", s.name, s.login_session ?? null, stsCallRegion(s, cat), endpointOverride("SIGNIN", env) ?? null, ...keyringParts(cat, env)];
    case "saml":
      // The command that prints the assertion, never the assertion.
      return ["saml/1", s.name, s.role_arn, s.principal_arn, s.saml_assertion_command, s.duration_seconds ?? null, stsCallRegion(s, cat), endpointOverride("STS", env) ?? null];
  }
}

/** Where a root's secret (key, SSO sign-in) is kept: the keyring and the catalog it belongs to. */
function keyringParts(cat: Catalog, env: Env): unknown[] {
  return [env.SESAME_KEYRING ?? "os", env.SESAME_KEYRING_SERVICE ?? "sesame", env.SESAME_FILE_KEYRING ?? null, catalogIdentity(cat.file)];
}

/**
 * SHA-256 of a file's bytes, or null when it cannot be read (the fetch then says why). Synchronous, as
 * hopIdentity is, through process.getBuiltinModule so that the warm path of every other session type
 * keeps importing no node:fs or node:crypto.
 */
function fileFingerprint(path: string): string | null {
  try {
    const fs = process.getBuiltinModule("node:fs");
    const crypto = process.getBuiltinModule("node:crypto");
    return `sha256:${crypto.createHash("sha256").update(fs.readFileSync(path)).digest("hex")}`;
  } catch {
    return null;
  }
}

/** The sessions a chain passes through, from the session itself down to its root. */
export function chainOf(cat: Catalog, s: Session): Session[] {
  const out: Session[] = [s];
  let cur = s;
  while (cur.type === "assume-role") {
    const next = cat.sessions.get(cur.source);
    if (!next || out.includes(next)) break;
    out.push(next);
    cur = next;
  }
  return out;
}

/** The identity a session's cache entry has now: its hop identity under its root's current generation. */
export async function currentIdentity(cat: Catalog, s: Session, env: Env, stateDir: string): Promise<string> {
  return hopIdentity(cat, s, env, await readGeneration(stateDir, rootKey(cat, s)));
}

/** currentIdentity for every session of a listing (`list`), synchronous once each root's generation file
 *  has been read (once per root, here, before any row). */
export async function identitiesFor(cat: Catalog, env: Env, stateDir: string): Promise<(s: Session) => string> {
  const roots = new Set<string>();
  for (const s of cat.sessions.values()) roots.add(rootKey(cat, s));
  const gens = new Map(await Promise.all([...roots].map(async (r) => [r, await readGeneration(stateDir, r)] as const)));
  // a session and its sources share one root, hence one generation: each hop's parts are made once
  const memo = new Map<string, unknown[]>();
  return (s) => JSON.stringify(hopParts(cat, s, env, new Set(), gens.get(rootKey(cat, s)) ?? "", memo));
}
