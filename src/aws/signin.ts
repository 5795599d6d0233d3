// Thin adapter over the AWS SDK's Sign-In client (@aws-sdk/nested-clients/signin, the one the SDK's own
// login credential provider uses). Loaded dynamically, only when a sign-in or a refresh happens. Every
// token request carries a DPoP proof made for the very URL it is sent to (aws/dpop.ts).
import { CreateOAuth2TokenCommand, SigninClient } from "@aws-sdk/nested-clients/signin";
import { callOptions, clientConfig, NO_CREDENTIALS } from "./client-config.ts";
import { dpopProof } from "./dpop.ts";
import { endpointOverride } from "./endpoints.ts";
import { toSesameError } from "./errors.ts";
import { SigninRefused, type SigninAdapter } from "./signin-types.ts";
import type { Env } from "../types.ts";

interface FinalRequest {
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  headers: Record<string, string>;
}

export function signinAdapter(env: Env = process.env): SigninAdapter {
  const endpoint = endpointOverride("SIGNIN", env);
  const client = (region: string, dpopKey?: string) => {
    const c = new SigninClient({ ...clientConfig(region, endpoint, env), credentials: NO_CREDENTIALS });
    if (dpopKey) {
      // After the endpoint is resolved and before every attempt is sent (a retry gets a new jti).
      c.middlewareStack.add(
        (next) => async (args) => {
          const r = args.request as FinalRequest;
          if (r && typeof r.hostname === "string") {
            const url = `${r.protocol}//${r.hostname}${r.port ? `:${r.port}` : ""}${r.path}`;
            r.headers = { ...r.headers, DPoP: dpopProof(dpopKey, url) };
          }
          return next(args);
        },
        { step: "finalizeRequest", name: "sesameDpop", override: true },
      );
    }
    return c;
  };
  return {
    async oauthBase(region) {
      if (endpoint) return endpoint.replace(/\/+$/, "");
      // The SDK's own rule for the OAuth endpoint of a region (partitions differ: amazonaws.cn, …).
      const c = client(region);
      const ep = c.config.endpointProvider({ Region: region, UseFIPS: false, UseDualStack: false, IsOAuthEndpoint: true } as never);
      return String(ep.url).replace(/\/+$/, "");
    },
    async createToken(region, input, dpopKey) {
      try {
        const out = await client(region, dpopKey).send(new CreateOAuth2TokenCommand({ tokenInput: input }), callOptions());
        const t = out.tokenOutput;
        const a = t?.accessToken;
        if (!t || !a?.accessKeyId || !a.secretAccessKey || !a.sessionToken || !t.refreshToken) throw new Error("CreateOAuth2Token answered without credentials or a refresh token");
        return {
          accessKeyId: a.accessKeyId,
          secretAccessKey: a.secretAccessKey,
          sessionToken: a.sessionToken,
          expiresIn: t.expiresIn ?? 900,
          refreshToken: t.refreshToken,
          tokenType: t.tokenType ?? "aws_sigv4",
          ...(t.idToken ? { idToken: t.idToken } : {}),
        };
      } catch (e) {
        const name = (e as { name?: string }).name ?? "";
        if (name === "AccessDeniedException" || name === "ValidationException") {
          const error = String((e as { error?: unknown }).error ?? "");
          throw new SigninRefused(name, error, ((e as Error).message || name).split("\n")[0]!.slice(0, 300));
        }
        throw toSesameError(e, "AWS Sign-In", "CreateOAuth2Token", endpoint);
      }
    },
  };
}
