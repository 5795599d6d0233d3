// Picks the secret backend from the environment:
//   SESAME_KEYRING unset or "os"  -> the OS keyring, service $SESAME_KEYRING_SERVICE or "sesame"
//   SESAME_KEYRING=file           -> the encrypted file keyring at $SESAME_FILE_KEYRING or
//                                    ${XDG_DATA_HOME:-~/.local/share}/sesame/keyring.enc
import { existsSync } from "node:fs";
import process from "node:process";
import { KeyringError, NeedsInput, UsageError } from "../errors.ts";
import { hasTty, openTty, promptLine } from "../tty.ts";
import { fileKeyring } from "./file-keyring.ts";
import { osKeyring } from "./os-keyring.ts";
import { fileKeyringPath } from "../locations.ts";
import type { SecretStore } from "./secret-store.ts";
import { catalogSecrets, type CatalogSecrets } from "./catalog-secrets.ts";
import type { Env } from "../types.ts";

export const DEFAULT_KEYRING_SERVICE = "sesame";

function passphraseFor(path: string, env: Env): () => Promise<string> {
  return async () => {
    const fromEnv = env.SESAME_FILE_PASSPHRASE;
    if (fromEnv) return fromEnv;
    if (!hasTty()) {
      throw new NeedsInput(
        "keyring.passphrase",
        "the file keyring needs a passphrase",
        "set SESAME_FILE_PASSPHRASE or run from a terminal",
      );
    }
    const creating = !existsSync(path);
    if (!creating) return promptLine(`sesame: passphrase for the file keyring ${path}: `, { echo: false });
    // A new keyring: the passphrase twice; two entries that differ are asked for again (what the user has
    // typed before this, an access key for instance, is not lost); an empty one is refused at once.
    for (let attempt = 1; ; attempt++) {
      const first = await promptLine(`sesame: new passphrase for the file keyring ${path}: `, { echo: false });
      if (first === "") throw new KeyringError(`the passphrase for the file keyring ${path} is empty`, "type a passphrase, or set SESAME_FILE_PASSPHRASE");
      const again = await promptLine("sesame: the same passphrase again: ", { echo: false });
      if (again === first) return first;
      if (attempt === 3) throw new KeyringError("the two passphrases differed three times", "run the command again");
      const tty = openTty();
      tty?.write("sesame: the two passphrases differ; once more\n");
      tty?.close();
    }
  };
}

/** The secrets of one catalog (store/catalog-secrets.ts): what every command uses. */
export function openSecretStore(env: Env, catalogFile: string): CatalogSecrets {
  return catalogSecrets(openKeyringBackend(env), catalogFile);
}

/** The raw backend, items named as given. */
export function openKeyringBackend(env: Env = process.env): SecretStore {
  const kind = env.SESAME_KEYRING || "os";
  switch (kind) {
    case "os":
      return osKeyring(env.SESAME_KEYRING_SERVICE || DEFAULT_KEYRING_SERVICE, env);
    case "file": {
      const path = fileKeyringPath(env);
      return fileKeyring(path, passphraseFor(path, env));
    }
    default:
      throw new UsageError(
        `SESAME_KEYRING=${kind} is not a keyring sesame knows`,
        'set SESAME_KEYRING to "os" (the default) or "file"',
      );
  }
}
