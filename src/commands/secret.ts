// sesame secret set|delete NAME: an IAM user's long-lived key, into or out of the keyring.
// Terminal: prompted on /dev/tty without echo. Piped: line 1 access key id, line 2 secret access key — or
// the IAM console's access-key CSV, or the JSON of `aws iam create-access-key`.
import { readFileSync, writeSync } from "node:fs";
import { catalogPath } from "../locations.ts";
import { loadCatalog, sessionNamed } from "../catalog/load.ts";
import type { Catalog } from "../catalog/types.ts";
import { cacheDir, stateDir } from "../locations.ts";
import { UsageError, NeedsInput } from "../errors.ts";
import { forgetRoot } from "../credentials/forget.ts";
import { ACCESS_KEY_ID_RE, deleteAccessKey, maskKeyId, setAccessKey, type AccessKey } from "../store/iam-user-keys.ts";
import { openSecretStore } from "../store/open-secret-store.ts";
import type { Env } from "../types.ts";

function iamUserSession(cat: Catalog, name: string) {
  const s = sessionNamed(cat, name);
  if (s.type !== "iam-user") throw new UsageError(`session "${name}" is of type ${s.type}; only iam-user sessions have a stored access key (and roles-anywhere sessions a key passphrase)`, "name an iam-user or roles-anywhere session");
  return s;
}

/** roles-anywhere: the passphrase of the session's encrypted private key (one line, or prompted without echo). */
async function rolesAnywherePassphrase(action: "set" | "delete", name: string, catalogFile: string, env: Env): Promise<number> {
  const { deletePassphrase, setPassphrase } = await import("../store/roles-anywhere-passphrase.ts");
  const store = openSecretStore(env, catalogFile);
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

export async function secretSet(name: string, opts: { config?: string }, env: Env = process.env): Promise<void> {
  const cat = loadCatalog(catalogPath(opts.config, env));
  if (sessionNamed(cat, name).type === "roles-anywhere") {
    await rolesAnywherePassphrase("set", name, cat.file, env);
    return;
  }
  iamUserSession(cat, name);
  const key = process.stdin.isTTY ? await promptKey(name) : readPipedKey();
  const store = openSecretStore(env, cat.file);
  await setAccessKey(store, name, key);
  await forgetCached(cat, name, env);
  writeSync(2, `sesame: stored access key ${maskKeyId(key.accessKeyId)} for "${name}" in the ${store.kind === "os" ? "OS keyring" : "file keyring"}\n`);
}

export async function secretDelete(name: string, opts: { config?: string }, env: Env = process.env): Promise<number> {
  const cat = loadCatalog(catalogPath(opts.config, env));
  if (sessionNamed(cat, name).type === "roles-anywhere") return rolesAnywherePassphrase("delete", name, cat.file, env);
  iamUserSession(cat, name);
  const removed = await deleteAccessKey(openSecretStore(env, cat.file), name);
  await forgetCached(cat, name, env);
  writeSync(2, removed ? `sesame: deleted the access key of "${name}"\n` : `sesame: no access key was stored for "${name}"\n`);
  return 0;
}

/** Credentials derived from the old key (this session and every chain through it) are never served again. */
async function forgetCached(cat: Catalog, name: string, env: Env): Promise<void> {
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
  const { key, from } = keyFromText(text);
  if (from) writeSync(2, `sesame: read ${from}\n`);
  return key;
}

/** What `secret set` reads on standard input: two lines (id, secret), the IAM console's access-key CSV
 *  (header "Access key ID,Secret access key"), or the JSON of `aws iam create-access-key`. `from` names
 *  the format when it is not the two lines. */
export function keyFromText(input: string): { key: AccessKey; from?: string } {
  const text = input.replace(/^\uFEFF/, "");
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let o: unknown;
    try {
      o = JSON.parse(trimmed);
    } catch {
      throw new UsageError("standard input starts with { but is not JSON", "pipe the output of aws iam create-access-key as it is, or two lines: access key id, then secret access key");
    }
    const ak = (o as { AccessKey?: Record<string, unknown> }).AccessKey ?? (o as Record<string, unknown>);
    if (typeof ak.AccessKeyId !== "string" || typeof ak.SecretAccessKey !== "string") {
      throw new UsageError("the JSON on standard input holds no AccessKey with AccessKeyId and SecretAccessKey", "pipe the output of aws iam create-access-key as it is");
    }
    return { key: parseKey(ak.AccessKeyId, ak.SecretAccessKey), from: "the JSON of aws iam create-access-key" };
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = lines[0]?.split(",").map((c) => c.trim().replace(/^"|"$/g, "").toLowerCase()) ?? [];
  const idCol = header.indexOf("access key id");
  const secretCol = header.indexOf("secret access key");
  if (idCol >= 0 && secretCol >= 0) {
    const rows = lines.slice(1).map((l) => l.split(",").map((c) => c.trim().replace(/^"|"$/g, "")));
    if (rows.length !== 1) throw new UsageError(`the access-key CSV on standard input must hold exactly one key (it holds ${rows.length})`, "pipe the CSV file the IAM console downloaded for one access key");
    return { key: parseKey(rows[0]![idCol] ?? "", rows[0]![secretCol] ?? ""), from: "the IAM console's access-key CSV" };
  }
  if (lines.length < 2) throw new UsageError("standard input must hold two lines: the access key id, then the secret access key", "pipe both lines, e.g. printf '%s\\n%s\\n' \"$ID\" \"$SECRET\" | sesame secret set NAME (or the IAM console's CSV, or the JSON of aws iam create-access-key)");
  return { key: parseKey(lines[0]!, lines[1]!) };
}

async function promptKey(name: string): Promise<AccessKey> {
  const tty = await import("../tty.ts");
  if (!tty.hasTty()) throw new NeedsInput("secret.no-terminal", "no terminal to ask for the access key on", "pipe the key id and secret on standard input");
  const id = await tty.promptLine(`Access key id for ${name}: `, { echo: true });
  const secret = await tty.promptLine(`Secret access key for ${name} (not shown): `, { echo: false });
  return parseKey(id, secret);
}
