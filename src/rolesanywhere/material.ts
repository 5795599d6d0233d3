// The certificate, chain and private key of a roles-anywhere session, read from their PEM files and
// checked before anything is sent: a missing or unreadable file, an expired or not yet valid certificate,
// a key that does not belong to the certificate, or an encrypted key without its passphrase (kept in the
// keyring: sesame secret set NAME) are each one line here, not an opaque refusal from AWS later.
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { NeedsInput } from "../errors.ts";

export interface Material {
  leaf: X509Certificate;
  /** intermediate certificates, leaf excluded, in file order */
  chain: X509Certificate[];
  key: KeyObject;
  algorithm: "AWS4-X509-RSA-SHA256" | "AWS4-X509-ECDSA-SHA256";
  /** the certificate's serial number in decimal: the credential of the signature */
  serial: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function read(session: string, key: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new NeedsInput("roles-anywhere.file", `session "${session}": cannot read ${key} ${JSON.stringify(path)} (${(e as NodeJS.ErrnoException).code ?? "error"})`, `check ${key} in the catalog`);
  }
}

function certs(session: string, key: string, path: string): X509Certificate[] {
  const blocks = read(session, key, path).match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new NeedsInput("roles-anywhere.pem", `session "${session}": ${key} ${JSON.stringify(path)} holds no PEM certificate`, "give the PEM file (-----BEGIN CERTIFICATE-----)");
  try {
    return blocks.map((b) => new X509Certificate(b));
  } catch {
    throw new NeedsInput("roles-anywhere.pem", `session "${session}": ${key} ${JSON.stringify(path)} is not a valid certificate`, "give the PEM file your CA issued");
  }
}

/** Whether a PEM private key file is encrypted (PKCS#8 EncryptedPrivateKeyInfo, or legacy OpenSSL PEM encryption). */
export function isEncryptedPem(pem: string): boolean {
  return /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(pem);
}

/** `passphrase(pem)`: asked only when the key is encrypted (from the keyring); undefined when none is stored. */
export async function loadMaterial(session: string, files: { certificate: string; certificate_chain?: string; private_key: string }, now: Date, passphrase: () => Promise<string | undefined> = async () => undefined): Promise<Material> {
  const [leaf, ...rest] = certs(session, "certificate", files.certificate);
  const chain = [...rest, ...(files.certificate_chain ? certs(session, "certificate_chain", files.certificate_chain) : [])];
  const from = new Date(leaf!.validFrom);
  const to = new Date(leaf!.validTo);
  if (now.getTime() >= to.getTime()) {
    throw new NeedsInput("roles-anywhere.expired", `session "${session}": the certificate ${JSON.stringify(files.certificate)} expired on ${to.toISOString()}`, "renew the certificate with your CA and replace the file");
  }
  if (now.getTime() < from.getTime()) {
    throw new NeedsInput("roles-anywhere.not-yet-valid", `session "${session}": the certificate ${JSON.stringify(files.certificate)} is not valid before ${from.toISOString()}`, "wait, or check this machine's clock");
  }
  const pem = read(session, "private_key", files.private_key);
  let key: KeyObject;
  if (isEncryptedPem(pem)) {
    const pass = await passphrase();
    if (pass === undefined) {
      throw new NeedsInput("roles-anywhere.passphrase", `session "${session}": the private key ${JSON.stringify(files.private_key)} is encrypted and no passphrase is stored for it`, `store it in the keyring: sesame secret set ${session}`);
    }
    try {
      key = createPrivateKey({ key: pem, format: "pem", passphrase: pass });
    } catch {
      throw new NeedsInput("roles-anywhere.passphrase", `session "${session}": the stored passphrase does not decrypt the private key ${JSON.stringify(files.private_key)}`, `store the right one: sesame secret set ${session}`);
    }
  } else {
    try {
      key = createPrivateKey(pem);
    } catch {
      throw new NeedsInput("roles-anywhere.key", `session "${session}": private_key ${JSON.stringify(files.private_key)} is not a PEM private key`, "give an RSA or EC key in PEM (PKCS#1, PKCS#8 or SEC1)");
    }
  }
  const type = key.asymmetricKeyType;
  if (type !== "rsa" && type !== "ec") {
    throw new NeedsInput("roles-anywhere.key-type", `session "${session}": the private key is ${type ?? "of an unknown type"}; IAM Roles Anywhere takes RSA or EC keys`, "use an RSA or EC (P-256/P-384) certificate");
  }
  if (!leaf!.checkPrivateKey(key)) {
    throw new NeedsInput("roles-anywhere.mismatch", `session "${session}": private_key ${JSON.stringify(files.private_key)} does not belong to the certificate ${JSON.stringify(files.certificate)}`, "give the key the certificate was issued for");
  }
  return { leaf: leaf!, chain, key, algorithm: type === "rsa" ? "AWS4-X509-RSA-SHA256" : "AWS4-X509-ECDSA-SHA256", serial: BigInt(`0x${leaf!.serialNumber}`).toString(10) };
}
