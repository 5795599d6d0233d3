// The AWS Sign-In OAuth service (`aws login`) with plain types, so signin/ and credentials/ never import
// @aws-sdk/*. The wire is in docs/aws-login.md.
export const SAME_DEVICE_CLIENT = "arn:aws:signin:::devtools/same-device";
export const CROSS_DEVICE_CLIENT = "arn:aws:signin:::devtools/cross-device";

export type SigninTokenInput =
  | { clientId: string; grantType: "authorization_code"; code: string; codeVerifier: string; redirectUri: string }
  | { clientId: string; grantType: "refresh_token"; refreshToken: string };

export interface SigninTokenOutput {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** seconds */
  expiresIn: number;
  refreshToken: string;
  tokenType: string;
  /** only for the code exchange: its `sub` is the login session */
  idToken?: string;
}

/** The service refused the grant (AccessDeniedException or ValidationException); `error` is its OAuth2ErrorCode. */
export class SigninRefused extends Error {
  constructor(
    readonly exception: string,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SigninAdapter {
  /** the OAuth base URL the /v1/authorize page and /v1/token live under (honours AWS_ENDPOINT_URL_SIGNIN) */
  oauthBase(region: string): Promise<string>;
  /** CreateOAuth2Token with a DPoP proof signed by `dpopKey` (SEC1 PEM) */
  createToken(region: string, input: SigninTokenInput, dpopKey: string): Promise<SigninTokenOutput>;
}
