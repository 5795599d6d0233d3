// sesame secret set|delete NAME: an IAM user's long-lived key, into or out of the keyring.
// Terminal: prompted on /dev/tty without echo. Piped: line 1 access key id, line 2 secret access key.
import { readFileSync, writeSync } from "node:fs";
import { catalogPath } from "../catalog/locate.ts";
import { loadCatalog, sessionNamed } from "../catalog/load.ts";
import type { Catalog } from "../catalog/types.ts";
import { cacheDir, stateDir } from "../catalog/locate.ts";
import { UsageError, NeedsInput } from "../errors.ts";
import { forgetRoot } from "../store/forget.ts";
import { ACCESS_KEY_ID_RE, deleteAccessKey, maskKeyId, setAccessKey, type AccessKey } from "../store/iam-user-keys.ts";
import { openSecretStore } from "../store/open-secret-store.ts";

function iamUserSession(cat: Catalog, name: string) {
  const s = sessionNamed(cat, name);
  if (s.type !== "iam-user") throw new UsageError(`session "${name}" is of type ${s.type}; only iam-user sessions have a stored access key (and roles-anywhere sessions a key passphrase)`, "name an iam-user or roles-anywhere session");
  return s;
}

/** roles-anywhere: the passphrase of the session's encrypted private key (one line, or prompted without echo). */
async function rolesAnywherePassphrase(action: "set" | "delete", name: string, env: Record<string, string | undefined>): Promise<number> {
  const { deletePassphrase, setPassphrase } = await import("../store/roles-anywhere-passphrase.ts");
  const store = openSecretStore(env);
  if (action === "delete") {
    const removed = await deletePassphrase(store, name);
    writeSync(2, removed ? `sesame: deleted the key passphrase of "${name}"\n` : `sesame: no key passphrase was stored for "${name}"\n`);
    return 0;
  }
  let pass: string;
  if (process.stdin.isTTY) {
    const tty = await import("../tty.ts");
    pass = await tty.promptLine(`Passphrase of the private key of ${name} (not shown): `, { echo: false });
  } else {
    pass = (readFileSync(0, "utf8").split(/\r?\n/)[0] ?? "");
  }
  if (pass === "") throw new UsageError("the passphrase is empty", "give the passphrase of the encrypted private key on one line");
  await setPassphrase(store, name, pass);
  writeSync(2, `sesame: stored the key passphrase for "${name}" in the ${store.kind === "os" ? "OS keyring" : "file keyring"}\n`);
  return 0;
}

export async function secretSet(name: string, opts: { config?: string }, env: Record<string, string | undefined> = process.env): Promise<void> {
  const cat = loadCatalog(catalogPath(opts.config, env));
  if (sessionNamed(cat, name).type === "roles-anywhere") {
    await rolesAnywherePassphrase("set", name, env);
    return;
  }
  iamUserSession(cat, name);
  const key = process.stdin.isTTY ? await promptKey(name) : readPipedKey();
  const store = openSecretStore(env);
  await setAccessKey(store, name, key);
  await forgetCached(cat, name, env);
  writeSync(2, `sesame: stored access key ${maskKeyId(key.accessKeyId)} for "${name}" in the ${store.kind === "os" ? "OS keyring" : "file keyring"}\n`);
}

export async function secretDelete(name: string, opts: { config?: string }, env: Record<string, string | undefined> = process.env): Promise<number> {
  const cat = loadCatalog(catalogPath(opts.config, env));
  if (sessionNamed(cat, name).type === "roles-anywhere") return rolesAnywherePassphrase("delete", name, env);
  iamUserSession(cat, name);
  const removed = await deleteAccessKey(openSecretStore(env), name);
  await forgetCached(cat, name, env);
  writeSync(2, removed ? `sesame: deleted the access key of "${name}"\n` : `sesame: no access key was stored for "${name}"\n`);
  return 0;
}

/** Credentials derived from the old key (this session and every chain through it) are never served again. */
async function forgetCached(cat: Catalog, name: string, env: Record<string, string | undefined>): Promise<void> {
  await forgetRoot(cat, `iam-user:${name}`, env, { cacheDir: cacheDir(env), stateDir: stateDir(env) });
}

export function parseKey(id: string, secret: string): AccessKey {
  const accessKeyId = id.trim();
  const secretAccessKey = secret.trim();
  if (!ACCESS_KEY_ID_RE.test(accessKeyId)) throw new UsageError("the access key id does not look like one (16+ capital letters and digits, e.g. AKIA…)", "give the access key id on the first line and the secret on the second");
  if (accessKeyId.startsWith("ASIA")) throw new UsageError("that is a temporary access key (ASIA…); sesame stores long-lived IAM user keys (AKIA…)", "create an access key for the IAM user and store that");
  if (secretAccessKey.length < 16 || /\s/.test(secretAccessKey)) throw new UsageError("the secret access key is missing or malformed", "give the secret access key on the second line");
  return { accessKeyId, secretAccessKey };
}

function readPipedKey(): AccessKey {
  let text: string;
  try {
    text = readFileSync(0, "utf8");
  } catch {
    throw new NeedsInput("secret.no-input", "no access key on standard input", "pipe two lines: access key id, then secret access key");
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length < 2) throw new UsageError("standard input must hold two lines: the access key id, then the secret access key", "pipe both lines, e.g. printf '%s\\n%s\\n' \"$ID\" \"$SECRET\" | sesame secret set NAME");
  return parseKey(lines[0]!, lines[1]!);
}

async function promptKey(name: string): Promise<AccessKey> {
  const tty = await import("../tty.ts");
  if (!tty.hasTty()) throw new NeedsInput("secret.no-terminal", "no terminal to ask for the access key on", "pipe the key id and secret on standard input");
  const id = await tty.promptLine(`Access key id for ${name}: `, { echo: true });
  const secret = await tty.promptLine(`Secret access key for ${name} (not shown): `, { echo: false });
  return parseKey(id, secret);
}
