// The OS keyring (macOS Keychain, Windows Credential Manager, Secret Service on Linux) through
// @napi-rs/keyring. The native addon is imported only when a secret is really read or written, so
// commands that never touch a secret never load it.
//
// Parallel sesame processes: the Secret Service does not serialise a search-then-update against a
// delete, so writers of one account (set, delete) take a lock file, as the file keyring's writers do and
// in the same folder (sesame's data folder). A reader is not locked out: when the item it found vanishes
// under it (a delete in between), the Secret Service answers "No such interface …Secret.Item" or "Object
// does not exist", and the read is simply tried again.
import { sha256HexSync } from "../runtime/sha256-sync.ts";
import process from "node:process";
import { KeyringError } from "../errors.ts";
import { dataDir } from "../locations.ts";
import { joinPath } from "../runtime/paths.ts";
import { lockTimeoutMs, withLock } from "./lock.ts";
import type { SecretStore } from "./secret-store.ts";
import { chunkedStore } from "./chunked-store.ts";
import type { Env } from "../types.ts";

type KeyringModule = typeof import("@napi-rs/keyring");
type AsyncEntry = InstanceType<KeyringModule["AsyncEntry"]>;

/**
 * Windows Credential Manager keeps at most 2,560 bytes per credential and the value is stored
 * as UTF-16, so 1,280 UTF-16 code units is the most a value may hold there.
 */
export const WINDOWS_MAX_VALUE_CHARS = 1280;

let loaded: Promise<KeyringModule> | undefined;

function loadKeyring(): Promise<KeyringModule> {
  loaded ??= import("@napi-rs/keyring").catch((e: unknown) => {
    loaded = undefined;
    throw new KeyringError(
      `the OS keyring module cannot be loaded on ${process.platform}-${process.arch} (${reason(e)})`,
      "set SESAME_KEYRING=file to use the encrypted file keyring",
    );
  });
  return loaded;
}

function fixFor(platform: string): string {
  switch (platform) {
    case "darwin":
      return "unlock the login keychain, or set SESAME_KEYRING=file";
    case "win32":
      return "check that Windows Credential Manager is available, or set SESAME_KEYRING=file";
    default:
      return "start a Secret Service (gnome-keyring) or set SESAME_KEYRING=file";
  }
}

/** The first line of an error message, without the addon's generic prefixes. */
function reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const line = text.split(/\r?\n/).find((l) => l.trim() !== "")?.trim() ?? "unknown error";
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

function backendError(what: string, account: string, e: unknown): KeyringError {
  if (e instanceof KeyringError) return e;
  let why = reason(e);
  if (process.platform === "linux" && !process.env.DBUS_SESSION_BUS_ADDRESS && /dbus/i.test(why)) {
    why = "no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set";
  } else if (process.platform === "linux" && /no result found|locked/i.test(why)) {
    why = `${why} (the Secret Service has no unlocked default keyring)`;
  }
  return new KeyringError(`cannot ${what} "${account}" in the OS keyring: ${why}`, fixFor(process.platform));
}

/** The Secret Service's answer when an item it had found was deleted (by another process) before it was used. */
function isVanishedItem(e: unknown): boolean {
  const text = e instanceof Error ? e.message : String(e);
  return /No such interface\W{0,3}org\.freedesktop\.Secret\.Item|Object does not exist at path|No such object/i.test(text);
}

/** Tries again (at most RETRIES times, after a short pause) while the only trouble is an item that vanished. */
async function retryVanished<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= RETRIES || !isVanishedItem(e)) throw e;
    }
    await new Promise((r) => setTimeout(r, 10 * (attempt + 1) + Math.random() * 20));
  }
}
const RETRIES = 3;

/**
 * Writers of one account wait for each other. A write takes milliseconds, unless the keyring asks the user
 * to unlock it: a holder that is still alive keeps the lock for up to a minute.
 */
function writerLock(service: string, account: string, env: Env): { path: string; opts: Parameters<typeof withLock>[1] } {
  const id = sha256HexSync(`${service}\0${account}`).slice(0, 32);
  return {
    path: joinPath(dataDir(env), `os-keyring-${id}.lock`),
    opts: { timeoutMs: lockTimeoutMs(env), staleMs: 60_000, what: `writing "${account}" to the OS keyring` },
  };
}

/** `maxValueChars`: values longer than this are split over several items (store/chunked-store.ts); by
 *  default Windows Credential Manager's limit on Windows, none elsewhere. */
export function osKeyring(service: string, env: Env = process.env, o: { maxValueChars?: number } = {}): SecretStore {
  const max = o.maxValueChars ?? (process.platform === "win32" ? WINDOWS_MAX_VALUE_CHARS : undefined);
  const raw = rawOsKeyring(service, env);
  if (max === undefined) return raw;
  return chunkedStore(raw, max, (account, fn) => {
    const { path, opts } = writerLock(service, `${account}#parts`, env);
    return withLock(path, opts, fn);
  });
}

function rawOsKeyring(service: string, env: Env): SecretStore {
  async function entry(account: string): Promise<AsyncEntry> {
    const { AsyncEntry } = await loadKeyring();
    // On Linux the addon would silently fall back to the kernel keyring, which forgets everything
    // at reboot: require the Secret Service so a missing one is reported instead.
    return new AsyncEntry(service, account, { linux: { store: "secret-service" } });
  }

  /** One write under the account's lock; only the keyring's own errors become KeyringErrors (a lock that
   * cannot be had is a BusyError, exit 7). */
  function writing<T>(what: string, account: string, fn: (item: AsyncEntry) => Promise<T>): Promise<T> {
    const { path, opts } = writerLock(service, account, env);
    return withLock(path, opts, async () => {
      try {
        return await retryVanished(async () => fn(await entry(account)));
      } catch (e) {
        throw backendError(what, account, e);
      }
    });
  }

  return {
    kind: "os",

    async get(account) {
      try {
        const value = await retryVanished(async () => (await entry(account)).getPassword());
        return value ?? undefined;
      } catch (e) {
        throw backendError("read", account, e);
      }
    },

    async set(account, value) {
      if (process.platform === "win32" && value.length > WINDOWS_MAX_VALUE_CHARS) {
        throw new KeyringError(
          `cannot store "${account}" in Windows Credential Manager: the value has ${value.length} characters, the limit is ${WINDOWS_MAX_VALUE_CHARS}`,
          "set SESAME_KEYRING=file to use the encrypted file keyring",
        );
      }
      await writing("store", account, (item) => item.setPassword(value));
    },

    async delete(account) {
      return writing("delete", account, (item) => item.deletePassword());
    },
  };
}
