// The OS keyring (macOS Keychain, Windows Credential Manager, Secret Service on Linux) through
// @napi-rs/keyring. The native addon is imported only when a secret is really read or written, so
// commands that never touch a secret never load it.
import process from "node:process";
import { KeyringError } from "../errors.ts";
import type { SecretStore } from "./secret-store.ts";

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

export function osKeyring(service: string): SecretStore {
  async function entry(account: string): Promise<AsyncEntry> {
    const { AsyncEntry } = await loadKeyring();
    // On Linux the addon would silently fall back to the kernel keyring, which forgets everything
    // at reboot: require the Secret Service so a missing one is reported instead.
    return new AsyncEntry(service, account, { linux: { store: "secret-service" } });
  }

  return {
    kind: "os",

    async get(account) {
      try {
        const value = await (await entry(account)).getPassword();
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
      try {
        await (await entry(account)).setPassword(value);
      } catch (e) {
        throw backendError("store", account, e);
      }
    },

    async delete(account) {
      try {
        return await (await entry(account)).deletePassword();
      } catch (e) {
        throw backendError("delete", account, e);
      }
    },
  };
}
