// sesame list [--json]: what the catalog holds and what state each session is in.
import { forTerminal } from "../output/sanitize.ts";
import { writeSync } from "node:fs";
import { catalogPath, cacheDir, stateDir } from "../locations.ts";
import { loadCatalogMemo } from "../catalog/load.ts";
import { accountOf, hopMargins, roleOf, type Catalog, type Session } from "../catalog/types.ts";
import { chainOf } from "../credentials/identity.ts";
import { sessionRegion } from "../catalog/catalog.ts";
import { expiryReader } from "../store/cache.ts";
import { identitiesFor } from "../credentials/identity.ts";
import type { SecretStore } from "../store/secret-store.ts";
import { renderTable } from "../output/table.ts";
import { clock } from "../output/clock.ts";
import type { Env } from "../types.ts";

export interface ListRow {
  name: string;
  type: Session["type"];
  account: string | null;
  role: string | null;
  region: string | null;
  source: string | null;
  state: "cached" | "expired" | "ready" | "no-secret" | "needs-login" | "not-cached" | "not-supported" | "unknown";
  expiration: string | null;
  detail: string;
  /** inside the refresh margin: a background renewal holds the hop's lock, or the last one failed */
  renewal?: "renewing" | { failed: string; at: string };
}

export async function list(opts: { config?: string; json?: boolean }, env: Env = process.env): Promise<void> {
  const { cat, rows } = await listRows(opts, env);
  if (opts.json) {
    writeSync(1, JSON.stringify(rows) + "\n");
    return;
  }
  if (rows.length === 0) {
    writeSync(1, `no sessions in ${forTerminal(cat.file)}\n`);
    return;
  }
  writeSync(1, renderTable(["NAME", "TYPE", "ACCOUNT", "ROLE", "REGION", "STATE"], rows.map((r) => [r.name, r.type, r.account ?? "-", r.role ?? "-", r.region ?? "-", r.detail])));
}

/** Every session's row, everything read through `env` (catalog, cache, keyring, the AWS CLI's SSO cache). */
export async function listRows(opts: { config?: string }, env: Env): Promise<{ cat: Catalog; rows: ListRow[] }> {
  const cat = await loadCatalogMemo(catalogPath(opts.config, env), stateDir(env));
  const checks = { hasSecret: secretChecker(cat, env), loginState: loginChecker(cat, env), awsLoginState: awsLoginChecker(cat, env) };
  const read = await expiryReader({ cacheDir: cacheDir(env), stateDir: stateDir(env) }, cat.sessions.size);
  const identity = await identitiesFor(cat, env, stateDir(env));
  const now = Date.now();
  const rows = await Promise.all([...cat.sessions.values()].map((s) => {
    const exp = read.expiryOf(identity(s));
    // the common row, cached and nothing to ask the keyring, without a promise per row
    const quick = exp instanceof Date ? cachedRow(cat, s, env, exp, now) : undefined;
    return quick ?? rowFor(cat, s, env, checks, async () => exp).then((row) => renewalOf(row, s, env, identity));
  }));
  read.done();
  return { cat, rows };
}

/** A row inside the refresh margin says whether a renewal runs now, or what stopped the last one. */
async function renewalOf(row: ListRow, s: Session, env: Env, identity: (s: Session) => string): Promise<ListRow> {
  if (row.state !== "expired") return row;
  const { entryLockPath } = await import("../store/cache.ts");
  const { existsSync } = await import("node:fs");
  if (existsSync(await entryLockPath({ cacheDir: cacheDir(env) }, identity(s)))) return { ...row, renewal: "renewing", detail: `${row.detail}, renewing` };
  const { lastRenewalFailure } = await import("../store/renewal-state.ts");
  const f = lastRenewalFailure(stateDir(env), s.name);
  if (!f) return row;
  return { ...row, renewal: { failed: f.message, at: f.at }, detail: `${row.detail}, renewal failed: ${f.message}` };
}

interface Checks {
  hasSecret: (name: string) => Promise<boolean | undefined>;
  loginState: (ssoName: string) => Promise<LoginState>;
  awsLoginState: (session: string) => Promise<LoginState>;
}

function baseOf(cat: Catalog, s: Session) {
  return { name: s.name, type: s.type, account: accountOf(s) ?? null, role: roleOf(s) ?? null, region: sessionRegion(s, cat) ?? null, source: s.type === "assume-role" ? s.source : null };
}

/** rowFor's "cached" row when it needs no keyring look-up (an OS-keyring IAM-user root does: see rowFor). */
function cachedRow(cat: Catalog, s: Session, env: Env, expiration: Date, now: number): ListRow | undefined {
  if (expiration.getTime() - now <= hopMargins(s, cat.defaults).refreshMargin * 1000) return undefined;
  if (chainOf(cat, s).at(-1)!.type === "iam-user" && (env.SESAME_KEYRING || "os") === "os") return undefined;
  return { ...baseOf(cat, s), state: "cached", expiration: expiration.toISOString(), detail: `cached until ${clock(expiration, now)}` };
}

async function rowFor(cat: Catalog, s: Session, env: Env, { hasSecret, loginState, awsLoginState }: Checks, expiryOf: (s: Session) => Promise<Date | undefined>): Promise<ListRow> {
  const base = baseOf(cat, s);
  const expiration = await expiryOf(s);
  const hit = expiration && { expiration };
  const now = Date.now();
  const root = chainOf(cat, s).at(-1)!;
  if (hit?.expiration && hit.expiration.getTime() - now > hopMargins(s, cat.defaults).refreshMargin * 1000) {
    // A key deleted with `sesame secret delete` starts a new generation, so its entries are not found at
    // all; one removed from the OS keyring behind sesame's back is caught here: one look-up per IAM user
    // (not per session). Not for the file keyring: opening it costs its scrypt (~65 ms, doubling `list`),
    // and only an edit of the file itself can remove a key behind sesame's back there.
    if (root.type === "iam-user" && (env.SESAME_KEYRING || "os") === "os" && (await hasSecret(root.name)) === false) {
      return { ...base, state: "no-secret", expiration: null, detail: root === s ? "no secret" : `no secret (${root.name})` };
    }
    return { ...base, state: "cached", expiration: hit.expiration.toISOString(), detail: `cached until ${clock(hit.expiration, now)}` };
  }
  if (root.type === "iam-user") {
    const has = await hasSecret(root.name);
    if (has === false) return { ...base, state: "no-secret", expiration: null, detail: root === s ? "no secret" : `no secret (${root.name})` };
    if (has === undefined) return { ...base, state: "unknown", expiration: null, detail: "keyring unavailable" };
  }
  if (root.type === "sso") {
    const login = await loginState(root.sso_session);
    if (login === "needs-login") return { ...base, state: "needs-login", expiration: null, detail: `needs login (sesame login ${root.sso_session})` };
    if (login === "unknown") return { ...base, state: "unknown", expiration: null, detail: "keyring unavailable" };
  }
  if (root.type === "aws-login") {
    const login = await awsLoginState(root.name);
    if (login === "needs-login") return { ...base, state: "needs-login", expiration: null, detail: `needs login (sesame login ${root.name})` };
    if (login === "unknown") return { ...base, state: "unknown", expiration: null, detail: "keyring unavailable" };
  }
  if (hit?.expiration) return { ...base, state: "expired", expiration: hit.expiration.toISOString(), detail: hit.expiration.getTime() <= now ? "expired" : `renews now (until ${clock(hit.expiration, now)})` };
  if (s.type === "iam-user") return { ...base, state: "ready", expiration: null, detail: "secret stored" };
  if (s.type === "sso" || s.type === "aws-login") return { ...base, state: "ready", expiration: null, detail: "signed in" };
  return { ...base, state: "not-cached", expiration: null, detail: "not cached" };
}

type LoginState = "ok" | "needs-login" | "unknown";

/** Signed in (or silently renewable) or not, per sso-session, asked once per listing, with the listing's env. */
function loginChecker(cat: Catalog, env: Env): (ssoName: string) => Promise<LoginState> {
  const memo = new Map<string, Promise<LoginState>>();
  return (ssoName) => {
    let p = memo.get(ssoName);
    if (!p) {
      p = (async (): Promise<LoginState> => {
        try {
          await noCoreDumps();
          const { openSecretStore } = await import("../store/open-secret-store.ts");
          const { signInState } = await import("../sso/sign-in-state.ts");
          const s = await signInState(cat.ssoSessions.get(ssoName)!, openSecretStore(env, cat.file), env, Date.now());
          return s.state === "expired" || s.state === "none" ? "needs-login" : "ok";
        } catch {
          return "unknown";
        }
      })();
      memo.set(ssoName, p);
    }
    return p;
  };
}

/** An aws-login session is signed in while its sign-in is stored and younger than AWS's 12 hours. */
function awsLoginChecker(cat: Catalog, env: Env): (session: string) => Promise<LoginState> {
  return async (session) => {
    try {
      const { openSecretStore } = await import("../store/open-secret-store.ts");
      const { loadLogin, loginAlive } = await import("../signin/tokens.ts");
      const rec = await loadLogin(openSecretStore(env, cat.file), session);
      return rec && loginAlive(rec, Date.now()) ? "ok" : "needs-login";
    } catch {
      return "unknown";
    }
  };
}

function secretChecker(cat: Catalog, env: Env): (name: string) => Promise<boolean | undefined> {
  const memo = new Map<string, Promise<boolean | undefined>>();
  // One store for every row: a file keyring is unlocked (scrypt) once, not once per IAM user.
  let store: Promise<SecretStore> | undefined;
  return (name) => {
    let p = memo.get(name);
    if (!p) {
      p = (async () => {
        try {
          store ??= noCoreDumps().then(() => import("../store/open-secret-store.ts")).then((m) => m.openSecretStore(env, cat.file));
          const { getAccessKey } = await import("../store/iam-user-keys.ts");
          return (await getAccessKey(await store, name)) !== undefined;
        } catch (e) {
          if ((e as { takenOver?: boolean }).takenOver) return false; // another catalog's key: none of ours
          return undefined; // a locked or missing keyring must not break list
        }
      })();
      memo.set(name, p);
    }
    return p;
  };
}

/** Before a keyring is opened (a long-lived secret may be read): no core dumps. Not before: cli.ts leaves
 *  it to `list`, which over cached sessions on the file keyring never opens one. */
async function noCoreDumps(): Promise<void> {
  await (await import("../runtime/no-core-dump.ts")).disableCoreDumps();
}
