// `sesame exec NAME --server -- CMD`: CMD gets an endpoint address and its token instead of
// credentials, so an SDK in a long-running process renews them itself for as long as it runs.
import type { Catalog } from "../catalog/types.ts";
import { childEnvironment } from "../runtime/child-env.ts";
import { run } from "../runtime/run-command.ts";
import { startService, type Endpoint } from "./service.ts";
import type { Env } from "../types.ts";

/** Variables the child must not inherit: credentials that would win over the endpoint (sesame's own secrets are
 *  withheld by childEnvironment, as for every child). */
const REMOVED = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_SECURITY_TOKEN",
  "AWS_CREDENTIAL_EXPIRATION",
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  // the relative URI wins over the full one in every SDK
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWS_EC2_METADATA_SERVICE_ENDPOINT",
];

export function serverChildEnv(base: Env, ep: Endpoint): Record<string, string> {
  const out = childEnvironment(base);
  for (const k of REMOVED) delete out[k];
  out.AWS_CONTAINER_CREDENTIALS_FULL_URI = ep.uri;
  out.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = ep.tokenFile;
  // For SDKs that read only the variable (JS SDK v3's fromContainerMetadata, botocore before 1.33).
  out.AWS_CONTAINER_AUTHORIZATION_TOKEN = ep.token;
  if (ep.region) {
    out.AWS_REGION = ep.region;
    out.AWS_DEFAULT_REGION = ep.region;
  }
  if (ep.imdsEndpoint) out.AWS_EC2_METADATA_SERVICE_ENDPOINT = ep.imdsEndpoint;
  out.SESAME_SESSION = ep.name;
  return out;
}

export async function execWithServer(name: string, command: readonly string[], cat: Catalog, env: Env, opts: { imds?: boolean; bind?: string }): Promise<number> {
  const svc = await startService(cat, [name], { env, imds: opts.imds, bind: opts.bind });
  try {
    return await run(command, serverChildEnv(env, svc.endpoints[0]!));
  } finally {
    await svc.close();
  }
}
