// aws-login: the 15-minute credentials of a console sign-in (`sesame login NAME`), renewed with its
// refresh token (signin/access.ts). Like every hop, cached; roles can be chained from it.
import type { AwsLoginSession } from "../catalog/types.ts";
import { loginCredentials } from "../signin/access.ts";
import type { ChainOptions, Deps, Provider } from "./types.ts";

export function awsLogin(s: AwsLoginSession, d: Deps, o: ChainOptions): Provider {
  return () => loginCredentials(s, d, o.forceRefresh === true);
}
