// The device-code flow: StartDeviceAuthorization, one CreateToken at once (as the AWS CLI does), then
// show the URL and code and poll at the server's interval — 5 s longer after each slow_down — until the
// code is approved, denied or expired.
import type { SsoSessionDef } from "../catalog/types.ts";
import { SsoOidcError, type ClientRegistration, type SsoOidcAdapter, type TokenGrant } from "../aws/sso-types.ts";
import { EXIT, NeedsInput, SesameError } from "../errors.ts";
import type { LoginUi } from "./login-ui.ts";
import { printable } from "./printable.ts";
import { checkVerificationUrl } from "./verification-url.ts";

export interface FlowOptions {
  ui: LoginUi;
  /** open the browser at the verification URL */
  open?: (url: string) => void;
  sleep?: (ms: number) => Promise<void>;
  /** the SSO-OIDC endpoint override in force (AWS_ENDPOINT_URL_SSO_OIDC): its host may serve the verification page */
  oidcEndpoint?: string;
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
          throw new NeedsInput("sso.login-failed", `IAM Identity Center refused the sign-in to "${sso.name}": ${printable(e.oauthCode).slice(0, 100)}`, `run: sesame login ${sso.name} again`);
      }
    }
  };
  const early = await attempt();
  if (early) return early;
  const verification = checkVerificationUrl(auth.verificationUriComplete, sso.sso_start_url, o.oidcEndpoint);
  if (!verification) {
    const shown = printable(auth.verificationUriComplete).slice(0, 80);
    throw new SesameError("sso.bad-verification-url", `the sign-in service of "${sso.name}" sent a verification address that is not an https page of AWS ("${shown}"); nothing was opened`, EXIT.awsRefused, "check AWS_ENDPOINT_URL_SSO_OIDC and the sso_region of the catalog");
  }
  o.ui.say(`To sign in to "${sso.name}", open ${verification}`);
  o.ui.say(`and check that it shows the code ${printable(auth.userCode)}`);
  o.open?.(verification);
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
