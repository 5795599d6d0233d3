// The device-code flow: StartDeviceAuthorization, one CreateToken at once (as the AWS CLI does), then
// show the URL and code and poll at the server's interval — 5 s longer after each slow_down — until the
// code is approved, denied or expired.
import type { SsoSessionDef } from "../catalog/types.ts";
import { SsoOidcError, type ClientRegistration, type SsoOidcAdapter, type TokenGrant } from "../aws/sso-types.ts";
import { NeedsInput } from "../errors.ts";
import type { LoginUi } from "./login-ui.ts";

export interface FlowOptions {
  ui: LoginUi;
  /** open the browser at the verification URL */
  open?: (url: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const GRANT = "urn:ietf:params:oauth:grant-type:device_code" as const;

export async function deviceLogin(sso: SsoSessionDef, client: ClientRegistration, oidc: SsoOidcAdapter, o: FlowOptions): Promise<TokenGrant> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const auth = await oidc.startDeviceAuthorization(sso.sso_region, client, sso.sso_start_url);
  const deadline = Date.now() + auth.expiresIn * 1000;
  let interval = Math.max(1, auth.interval) * 1000;
  const attempt = async (): Promise<TokenGrant | undefined> => {
    try {
      return await oidc.createToken(sso.sso_region, client, { grantType: GRANT, deviceCode: auth.deviceCode });
    } catch (e) {
      if (!(e instanceof SsoOidcError)) throw e;
      switch (e.oauthCode) {
        case "authorization_pending":
          return undefined;
        case "slow_down":
          interval += 5000;
          return undefined;
        case "expired_token":
          throw new NeedsInput("sso.login-expired", `the sign-in code for "${sso.name}" expired before it was approved`, `run: sesame login ${sso.name}, and approve the code within ${Math.round(auth.expiresIn / 60)} minutes`);
        case "access_denied":
          throw new NeedsInput("sso.login-denied", `the sign-in to "${sso.name}" was denied in the browser`, `run: sesame login ${sso.name} again and allow access`);
        default:
          throw new NeedsInput("sso.login-failed", `IAM Identity Center refused the sign-in to "${sso.name}": ${e.oauthCode}`, `run: sesame login ${sso.name} again`);
      }
    }
  };
  const early = await attempt();
  if (early) return early;
  o.ui.say(`To sign in to "${sso.name}", open ${auth.verificationUriComplete}`);
  o.ui.say(`and check that it shows the code ${auth.userCode}`);
  o.open?.(auth.verificationUriComplete);
  const stop = o.ui.waiting("Waiting for the sign-in to be approved", deadline);
  try {
    while (Date.now() < deadline) {
      await sleep(interval);
      const grant = await attempt();
      if (grant) return grant;
    }
  } finally {
    stop();
  }
  throw new NeedsInput("sso.login-expired", `the sign-in code for "${sso.name}" expired before it was approved`, `run: sesame login ${sso.name} again`);
}
