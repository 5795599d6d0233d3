// roles-anywhere: the session's certificate and key → IAM Roles Anywhere CreateSession → role credentials,
// cached like every other hop (AWS's own helper calls CreateSession on every use). The region and the
// endpoint come from the trust anchor's ARN unless AWS_ENDPOINT_URL_ROLESANYWHERE / AWS_ENDPOINT_URL say.
import type { RolesAnywhereSession } from "../catalog/types.ts";
import { endpointOverride } from "../aws/endpoints.ts";
import type { Credentials, Deps, Provider } from "./types.ts";

export function rolesAnywhere(s: RolesAnywhereSession, d: Deps): Provider {
  return async (): Promise<Credentials> => {
    const { loadMaterial } = await import("../rolesanywhere/material.ts");
    const { createSession } = await import("../rolesanywhere/create-session.ts");
    const m = await loadMaterial(s.name, s, new Date(d.now()), async () => {
      const { getPassphrase } = await import("../store/roles-anywhere-passphrase.ts");
      return getPassphrase(await d.secrets(), s.name);
    });
    const region = s.trust_anchor_arn.split(":")[3]!;
    const endpoint = endpointOverride("ROLESANYWHERE", d.env) ?? `https://rolesanywhere.${region}.amazonaws.com`;
    return createSession(m, {
      endpoint,
      region,
      trustAnchorArn: s.trust_anchor_arn,
      profileArn: s.profile_arn,
      roleArn: s.role_arn,
      durationSeconds: s.duration_seconds ?? 3600,
      // Sent only when asked for: CreateSession refuses it unless the profile accepts role session names.
      ...(s.role_session_name ? { roleSessionName: s.role_session_name } : {}),
    }, () => new Date(d.now()));
  };
}
