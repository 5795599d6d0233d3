// The passphrase of a roles-anywhere session's encrypted private key, kept in the secret store (OS keyring
// or file keyring) like an IAM user's key, never in the catalog or a plain file.
import { KeyringError } from "../errors.ts";
import type { SecretStore } from "./secret-store.ts";

const account = (session: string) => `roles-anywhere:${session}`;

export async function getPassphrase(store: SecretStore, session: string): Promise<string | undefined> {
  const raw = await store.get(account(session));
  if (raw === undefined) return undefined;
  try {
    const o = JSON.parse(raw) as Record<string, unknown>;
    if (typeof o.Passphrase === "string") return o.Passphrase;
  } catch { /* reported below */ }
  throw new KeyringError(`the keyring entry for "${session}" is damaged`, `store the passphrase again: sesame secret set ${session}`);
}

export async function setPassphrase(store: SecretStore, session: string, passphrase: string): Promise<void> {
  await store.set(account(session), JSON.stringify({ Passphrase: passphrase }));
}

export async function deletePassphrase(store: SecretStore, session: string): Promise<boolean> {
  return store.delete(account(session));
}
