// sesame list [--json]: what the catalog holds and what state each session is in.
import { forTerminal } from "../output/sanitize.ts";
import { writeSync } from "node:fs";
import { catalogPath, cacheDir, stateDir } from "../catalog/locate.ts";
import { loadCatalogMemo } from "../catalog/load.ts";
import { accountOf, roleOf, type Catalog, type Session } from "../catalog/types.ts";
import { chainOf } from "../credentials/identity.ts";
import { sessionRegion } from "../catalog/catalog.ts";
import { entryReader } from "../store/cache.ts";
import { identityReader } from "../store/generation.ts";
import type { Credentials } from "../credentials/types.ts";
import type { SecretStore } from "../store/secret-store.ts";
import { renderTable } from "../output/table.ts";

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
}

export async function list(opts: { config?: string; json?: boolean }, env: Record<string, string | undefined> = process.env): Promise<void> {
  const cat = await loadCatalogMemo(catalogPath(opts.config, env), stateDir(env));
  const secretState = secretChecker(cat, env);
  const read = await entryReader({ cacheDir: cacheDir(env), stateDir: stateDir(env) }, cat.sessions.size);
  const identity = identityReader(cat, env, stateDir(env));
  const rows = await Promise.all([...cat.sessions.values()].map((s) => rowFor(cat, s, env, secretState, async (s) => read(await identity(s)))));
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

async function rowFor(cat: Catalog, s: Session, env: Record<string, string | undefined>, hasSecret: (name: string) => Promise<boolean | undefined>, cachedFor: (s: Session) => Promise<Credentials | undefined>): Promise<ListRow> {
  const base = { name: s.name, type: s.type, account: accountOf(s) ?? null, role: roleOf(s) ?? null, region: sessionRegion(s, cat) ?? null, source: s.type === "assume-role" ? s.source : null };
  const hit = await cachedFor(s);
  const now = Date.now();
  const root = chainOf(cat, s).at(-1)!;
  if (hit?.expiration && hit.expiration.getTime() - now > cat.defaults.refreshMargin * 1000) {
    // A key deleted with `sesame secret delete` starts a new generation, so its entries are not found at
    // all; one removed from the keyring behind sesame's back is caught here: one look-up per IAM user
    // (not per session), and only where the keyring opens without asking for a passphrase.
    if (root.type === "iam-user" && quietKeyring(env) && (await hasSecret(root.name)) === false) {
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
    const login = await loginState(cat, root.sso_session);
    if (login === "needs-login") return { ...base, state: "needs-login", expiration: null, detail: `needs login (sesame login ${root.sso_session})` };
    if (login === "unknown") return { ...base, state: "unknown", expiration: null, detail: "keyring unavailable" };
  }
  if (hit?.expiration) return { ...base, state: "expired", expiration: hit.expiration.toISOString(), detail: hit.expiration.getTime() <= now ? "expired" : `renews now (until ${clock(hit.expiration, now)})` };
  if (s.type === "iam-user") return { ...base, state: "ready", expiration: null, detail: "secret stored" };
  if (s.type === "sso") return { ...base, state: "ready", expiration: null, detail: "signed in" };
  return { ...base, state: "not-cached", expiration: null, detail: "not cached" };
}

/** The keyring can be read without a prompt: the OS keyring, or the file keyring with its passphrase set. */
function quietKeyring(env: Record<string, string | undefined>): boolean {
  return (env.SESAME_KEYRING || "os") === "os" || !!env.SESAME_FILE_PASSPHRASE;
}

const loginStates = new Map<string, Promise<"ok" | "needs-login" | "unknown">>();
/** Signed in (or silently renewable) or not, per sso-session, asked once. */
function loginState(cat: Catalog, ssoName: string, env: Record<string, string | undefined> = process.env): Promise<"ok" | "needs-login" | "unknown"> {
  let p = loginStates.get(ssoName);
  if (!p) {
    p = (async () => {
      try {
        const sso = cat.ssoSessions.get(ssoName)!;
        const { openSecretStore } = await import("../store/open-secret-store.ts");
        const { loadToken, loadRegistration } = await import("../sso/tokens.ts");
        const { readAwsCliToken } = await import("../sso/aws-cli-cache.ts");
        const store = openSecretStore(env, cat.file);
        const t = await loadToken(store, ssoName);
        const now = Date.now();
        if (t && t.expiresAt > now + 60_000) return "ok";
        if (t?.refreshToken && ((await loadRegistration(store, ssoName))?.expiresAt ?? 0) > now) return "ok";
        const cli = readAwsCliToken(sso, env);
        return cli && cli.expiresAt > now + 60_000 ? "ok" : "needs-login";
      } catch {
        return "unknown";
      }
    })();
    loginStates.set(ssoName, p);
  }
  return p;
}

function secretChecker(cat: Catalog, env: Record<string, string | undefined>): (name: string) => Promise<boolean | undefined> {
  const memo = new Map<string, Promise<boolean | undefined>>();
  // One store for every row: a file keyring is unlocked (scrypt) once, not once per IAM user.
  let store: Promise<SecretStore> | undefined;
  return (name) => {
    let p = memo.get(name);
    if (!p) {
      p = (async () => {
        try {
          store ??= import("../store/open-secret-store.ts").then((m) => m.openSecretStore(env, cat.file));
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

/** "14:05" today, "Nov 27 14:05" otherwise (local time: PRODUCT.md's "cached until …"). The first local-time
 *  conversion of a process loads the time-zone database (~3.6 ms, most of the floor), once. */
export function clock(d: Date, nowMs: number): string {
  const hm = `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  const now = new Date(nowMs);
  if (d.getDate() === now.getDate() && d.getMonth() === now.getMonth() && d.getFullYear() === now.getFullYear()) return hm;
  // A fixed table, not toLocaleString: that would load locale data for one word.
  return `${MONTHS[d.getMonth()]} ${d.getDate()} ${hm}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
