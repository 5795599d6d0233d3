// The IAM Identity Center portal API, service `sso` (aws-wire.md §2): rest-json, every operation unsigned and
// authorized by the SSO-OIDC access token in `x-amz-sso_bearer_token`. GetRoleCredentials hands out STS
// temporary credentials that the STS emulation accepts.
import { fail } from "./errors.ts";
import { restJsonHandler, type RestJsonOperation, type RestJsonService } from "./rest-json.ts";
import type { BuiltinRoute, EmulatorRequest } from "./router.ts";
import { ACCOUNT_ACCESS_SCOPE, type SsoAccessToken, type SsoAccount, type SsoState } from "./sso-state.ts";

export const BEARER_HEADER = "x-amz-sso_bearer_token";

export const ssoPortalService: RestJsonService = {
  name: "sso",
  errorBody: (error) => ({ message: error.message }),
};

/** fwdcloudsec/granted#715 [observed]; botocore turns it into UnauthorizedSSOTokenError. */
const unauthorized = (): never => fail("UnauthorizedException", "Session token not found or invalid", 401);
/** Not in the model, seen as 403 "No access" for a role the user is not assigned (aws-sam-cli#2129, granted#276). */
const noAccess = (): never => fail("ForbiddenException", "No access", 403);
const invalid = (message: string): never => fail("InvalidRequestException", message, 400);

function bearer(req: EmulatorRequest, sso: SsoState): SsoAccessToken {
  const token = sso.usableAccessToken(req.headers[BEARER_HEADER]);
  if (!token) return unauthorized();
  // A token minted for other scopes only (e.g. an IDE's codewhisperer:*) cannot list accounts [unverified].
  if (token.scopes.length > 0 && !token.scopes.includes(ACCOUNT_ACCESS_SCOPE)) return unauthorized();
  return token;
}

function queryParam(req: EmulatorRequest, name: string): string {
  const v = req.url.searchParams.get(name);
  if (v === null || v === "") return invalid(`${name} is required`);
  return v;
}

function assignedAccount(sso: SsoState, accountId: string): SsoAccount {
  return sso.accounts.get(accountId) ?? noAccess();
}

/** Opaque page token: which listing it continues and where. */
interface PageCursor {
  list: string;
  offset: number;
}

function page<T>(req: EmulatorRequest, sso: SsoState, list: string, items: T[]): { items: T[]; nextToken: string | null } {
  const q = req.url.searchParams;
  let size = sso.pageSize;
  const max = q.get("max_result");
  if (max !== null) {
    const asked = Number(max);
    if (!Number.isInteger(asked) || asked < 1 || asked > 100) invalid("max_result must be between 1 and 100");
    // max_result is an upper bound: the service may answer with fewer items (and a nextToken), so a
    // page size set lower than the client asks for caps it — clients must follow nextToken either way.
    size = Math.min(asked, sso.pageSize);
  }
  let offset = 0;
  const token = q.get("next_token");
  if (token !== null && token !== "") {
    let cursor: PageCursor | undefined;
    try {
      cursor = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as PageCursor;
    } catch {
      cursor = undefined;
    }
    if (!cursor || cursor.list !== list || !Number.isInteger(cursor.offset) || cursor.offset < 0) invalid("Invalid next_token");
    offset = cursor!.offset;
  }
  const end = offset + size;
  const nextToken = end < items.length ? Buffer.from(JSON.stringify({ list, offset: end } satisfies PageCursor)).toString("base64url") : null;
  // The real service sends "nextToken": null on the last page (aws-wire.md §2); both SDKs stop on it.
  return { items: items.slice(offset, end), nextToken };
}

const queryParams = (req: EmulatorRequest): Record<string, string> => Object.fromEntries(req.url.searchParams);

const getRoleCredentials: RestJsonOperation = {
  name: "GetRoleCredentials",
  params: queryParams,
  run(req, _input, ctx) {
    const sso = ctx.state.sso;
    const token = bearer(req, sso);
    const roleName = queryParam(req, "role_name");
    const accountId = queryParam(req, "account_id");
    if (!assignedAccount(sso, accountId).roles.includes(roleName)) noAccess();
    const cred = sso.issueRoleCredentials(token, accountId, roleName);
    return {
      roleCredentials: {
        accessKeyId: cred.accessKeyId,
        secretAccessKey: cred.secretAccessKey,
        sessionToken: cred.sessionToken,
        // Epoch milliseconds (model type long), unlike STS's ISO-8601.
        expiration: cred.expiration.getTime(),
      },
    };
  },
};

const listAccounts: RestJsonOperation = {
  name: "ListAccounts",
  params: queryParams,
  run(req, _input, ctx) {
    const sso = ctx.state.sso;
    bearer(req, sso);
    const { items, nextToken } = page(req, sso, "accounts", [...sso.accounts.values()]);
    return {
      nextToken,
      accountList: items.map((a) => ({ accountId: a.accountId, accountName: a.accountName, emailAddress: a.emailAddress })),
    };
  },
};

const listAccountRoles: RestJsonOperation = {
  name: "ListAccountRoles",
  params: queryParams,
  run(req, _input, ctx) {
    const sso = ctx.state.sso;
    bearer(req, sso);
    const accountId = queryParam(req, "account_id");
    // An account the user has no assignment in: "No access", as for its roles [unverified for this operation].
    const account = assignedAccount(sso, accountId);
    const { items, nextToken } = page(req, sso, `roles:${accountId}`, account.roles);
    return { nextToken, roleList: items.map((roleName) => ({ roleName, accountId })) };
  },
};

const logout: RestJsonOperation = {
  name: "Logout",
  params: () => ({}),
  run(req, _input, ctx) {
    const sso = ctx.state.sso;
    sso.logout(bearer(req, sso));
    return undefined;
  },
};

export function ssoPortalRoutes(): BuiltinRoute[] {
  const handle = (op: RestJsonOperation) => restJsonHandler(ssoPortalService, op);
  return [
    { method: "GET", path: "/federation/credentials", handler: handle(getRoleCredentials) },
    { method: "GET", path: "/assignment/accounts", handler: handle(listAccounts) },
    { method: "GET", path: "/assignment/roles", handler: handle(listAccountRoles) },
    { method: "POST", path: "/logout", handler: handle(logout) },
  ];
}
