// Typed facade over the secret store for an IAM user's long-lived access key.
import { KeyringError } from "../errors.ts";
import type { SecretStore } from "./secret-store.ts";

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

const account = (session: string) => `iam-user:${session}`;

export const ACCESS_KEY_ID_RE = /^[A-Z0-9]{16,128}$/;

export async function getAccessKey(store: SecretStore, session: string): Promise<AccessKey | undefined> {
  const raw = await store.get(account(session));
  if (raw === undefined) return undefined;
  try {
    const o = JSON.parse(raw) as Record<string, unknown>;
    if (typeof o.AccessKeyId === "string" && typeof o.SecretAccessKey === "string") {
      return { accessKeyId: o.AccessKeyId, secretAccessKey: o.SecretAccessKey };
    }
  } catch { /* reported below */ }
  throw new KeyringError(`the keyring entry for "${session}" is damaged`, `store the key again: sesame secret set ${session}`);
}

export async function setAccessKey(store: SecretStore, session: string, key: AccessKey): Promise<void> {
  await store.set(account(session), JSON.stringify({ AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey }));
}

export async function deleteAccessKey(store: SecretStore, session: string): Promise<boolean> {
  return store.delete(account(session));
}

/** AKIA…WXYZ → ****WXYZ, the only form in which a key id is ever shown. */
export function maskKeyId(id: string): string {
  return `****${id.slice(-4)}`;
}
