// The identity a sign-in is for: the `sub` of the id token AWS Sign-In returns with the code exchange (as
// the AWS CLI reads it; the token came over TLS from the service itself, so its signature is not checked
// here either). Only an ARN of a console identity is taken: it names a keyring item and a cache file.
import { LOGIN_SESSION_RE } from "../catalog/validate.ts";

export function loginSessionOf(idToken: string | undefined): string | undefined {
  const part = idToken?.split(".")[1];
  if (!part || part.length > 16384) return undefined;
  try {
    const sub = (JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as { sub?: unknown }).sub;
    return typeof sub === "string" && LOGIN_SESSION_RE.test(sub) ? sub : undefined;
  } catch {
    return undefined;
  }
}
