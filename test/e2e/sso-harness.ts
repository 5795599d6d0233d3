// An IAM Identity Center world for the e2e tests: the harness's world plus an sso-session "corp"
// pointed at the emulator, and an account whose AdministratorAccess role the sessions use.
import { world, type World } from "./harness.ts";

export const START = "https://d-1234567890.awsapps.com/start";

/** `extra` goes inside [sso-session.corp]; `sessions` after it. */
export function ssoCatalog(extra = "", sessions = ADMIN_SESSION): string {
  return `
[sso-session.corp]
sso_start_url = "${START}"
sso_region = "eu-west-1"
${extra}
${sessions}`;
}

export const ADMIN_SESSION = `
[session.admin]
type = "sso"
sso_session = "corp"
sso_account_id = "111111111111"
sso_role_name = "AdministratorAccess"
`;

export async function ssoWorld(catalogText: string, roles = ["AdministratorAccess"]): Promise<World> {
  const w = await world(catalogText);
  w.env.AWS_ENDPOINT_URL_SSO = w.emu.url;
  w.env.AWS_ENDPOINT_URL_SSO_OIDC = w.emu.url;
  w.emu.addSsoAccount({ accountId: "111111111111", accountName: "dev", roles });
  return w;
}
