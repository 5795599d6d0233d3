// Random identifiers shaped like AWS's, so clients that look at prefixes or lengths behave as against AWS.
import { randomBytes, randomUUID } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function pick(alphabet: string, length: number): string {
  // Rejection-free modulo is fine here: alphabets are 32 or 64 chars, both divide 256 evenly.
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** Long-term IAM user key id (AKIA + 16). */
export const longTermKeyId = (): string => `AKIA${pick(BASE32, 16)}`;
/** Temporary STS key id (ASIA + 16). */
export const temporaryKeyId = (): string => `ASIA${pick(BASE32, 16)}`;
/** 40-character secret access key. */
export const secretAccessKey = (): string => pick(SECRET_CHARS, 40);
/** Opaque session token; real ones are several hundred base64 characters starting with "IQoJb3JpZ2luX2Vj". */
export const sessionToken = (): string => `IQoJb3JpZ2luX2Vj${randomBytes(420).toString("base64")}`;
/** Unique id of an IAM user (AIDA + 17). */
export const userUniqueId = (): string => `AIDA${pick(BASE32, 17)}`;
/** Unique id of an IAM role (AROA + 17). */
export const roleUniqueId = (): string => `AROA${pick(BASE32, 17)}`;
export const requestId = (): string => randomUUID();
