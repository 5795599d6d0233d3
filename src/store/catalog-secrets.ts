// Whose secret is it: every keyring item belongs to the catalog it was stored for. Two catalogs (or a
// work and a personal HOME sharing one keyring) that both have a session "me" keep and use their own
// key and their own SSO sign-in. Callers name an item logically ("iam-user:me", "sso-token:corp"); here
// it becomes "iam-user:<catalog id>:me", the catalog id being a short hash of the catalog file's
// canonical absolute path (lexical: no syscall, see catalogIdentity).
//
// Items stored before (named by the session alone) are migrated on first need: the first catalog that
// misses its own item takes the legacy one over (copies it to its own name, then replaces the legacy item
// with a marker naming itself). Another catalog that later finds only the marker refuses with a clear line
// (an access key) or is simply not signed in (an SSO token), instead of using another catalog's secret.
import { KeyringError } from "../errors.ts";
import { catalogIdentity } from "./catalog-identity.ts";
import { sha256Hex } from "../runtime/sha256.ts";
import type { SecretStore } from "./secret-store.ts";

/** The short id that names a catalog's keyring items. */
export async function catalogId(file: string): Promise<string> {
  return (await sha256Hex(catalogIdentity(file))).slice(0, 16);
}

const MARKER = "sesame-taken-over/1";

interface Marker {
  format: typeof MARKER;
  catalog: string;
}

function markerOf(raw: string): Marker | undefined {
  if (!raw.startsWith("{") || !raw.includes(MARKER)) return undefined;
  try {
    const o = JSON.parse(raw) as Partial<Marker>;
    return o.format === MARKER && typeof o.catalog === "string" ? (o as Marker) : undefined;
  } catch {
    return undefined;
  }
}

/** The legacy key was taken over by another catalog: this one has none of its own yet. */
export class TakenOver extends KeyringError {
  readonly takenOver = true;
}

export interface CatalogSecrets extends SecretStore {
  /** the catalog file these secrets belong to */
  readonly catalog: string;
}

/** `logical` is "kind:name"; its item for this catalog is "kind:<id>:name". */
export function catalogSecrets(backend: SecretStore, catalogFile: string): CatalogSecrets {
  const catalog = catalogIdentity(catalogFile);
  let id: Promise<string> | undefined;
  const physical = async (logical: string): Promise<string> => {
    const i = logical.indexOf(":");
    if (i < 0) throw new Error(`not a logical keyring name: ${logical}`);
    return `${logical.slice(0, i)}:${await (id ??= catalogId(catalog))}:${logical.slice(i + 1)}`;
  };
  const marker = JSON.stringify({ format: MARKER, catalog } satisfies Marker);
  /** A legacy item that still holds a secret is replaced by our marker: it is ours from now on. */
  const claimLegacy = async (logical: string): Promise<boolean> => {
    const legacy = await backend.get(logical);
    if (legacy === undefined || markerOf(legacy)) return false;
    await backend.set(logical, marker);
    return true;
  };
  return {
    kind: backend.kind,
    catalog,
    async get(logical) {
      const name = await physical(logical);
      const own = await backend.get(name);
      if (own !== undefined) return own;
      const legacy = await backend.get(logical);
      if (legacy === undefined) return undefined;
      const m = markerOf(legacy);
      if (m) {
        if (m.catalog === catalog) return undefined; // ours, and deleted since
        const [kind, session] = [logical.slice(0, logical.indexOf(":")), logical.slice(logical.indexOf(":") + 1)];
        if (kind === "iam-user") {
          throw new TakenOver(
            `the key stored for "${session}" before sesame kept keys per catalog was taken over by catalog ${m.catalog}`,
            `store this catalog's key with: sesame secret set ${session}`,
          );
        }
        return undefined; // an SSO sign-in of another catalog: this one is not signed in
      }
      // Copy first, then mark: a crash in between leaves the legacy item, taken over again next time.
      await backend.set(name, legacy);
      await backend.set(logical, marker);
      return legacy;
    },
    async set(logical, value) {
      await backend.set(await physical(logical), value);
      await claimLegacy(logical); // the legacy item is superseded: no stale long-lived key stays behind
    },
    async delete(logical) {
      const own = await backend.delete(await physical(logical));
      const legacy = await claimLegacy(logical); // else the next read would take the legacy item over again
      return own || legacy;
    },
  };
}
