// JSON control API under /_emulator/, so another process (the runnable server's users: demos, shell scripts,
// e2e tests spawning the CLI) can set up the world and read the call log.
import { type AwsError, awsError, errors } from "./errors.ts";
import type { FaultQueue, FaultSpec } from "./faults.ts";
import type { CallRecord, EmulatorRequest, EmulatorResponse, RouteHandler } from "./router.ts";
import { completeAuthorize } from "./sso-oidc.ts";
import { completeLogin } from "./signin-oauth.ts";
import type { LoginConfig, LoginRevocation } from "./signin-oauth-state.ts";
import type { ApproveOptions, DeviceAuthorization, SsoAccountInput, SsoConfig } from "./sso-state.ts";
import type { EmulatorState, RoleInput, UserInput } from "./state.ts";

export const CONTROL_PREFIX = "/_emulator/";

/** What the control API needs from the emulator. */
export interface Controllable {
  state: EmulatorState;
  faults: FaultQueue;
  calls: CallRecord[];
  resetCalls(): void;
}

class BadRequest extends Error {}

function json(status: number, value: unknown): EmulatorResponse {
  return { status, headers: { "Content-Type": "application/json" }, body: JSON.stringify(value) };
}

function readJson(req: EmulatorRequest): Record<string, unknown> {
  const text = Buffer.from(req.body).toString("utf8").trim();
  if (text === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequest("body is not valid JSON");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new BadRequest("body must be a JSON object");
  return value as Record<string, unknown>;
}

function optionalNumber(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new BadRequest(`${key} must be a number`);
  return v;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new BadRequest(`${key} must be a string`);
  return v;
}

/**
 * POST /_emulator/faults body: `{ service?, action?, count?, delayMs?, kind?, error? }` where kind is
 * "throttle" | "internal-failure" | "service-unavailable", or error is `{ code, message, status, type? }`;
 * `hugeBodyBytes` answers 200 with that many bytes of streamed filler.
 */
function faultFromJson(body: Record<string, unknown>): FaultSpec {
  const kind = optionalString(body, "kind");
  let error: AwsError | undefined;
  if (kind === "throttle") error = errors.throttling();
  else if (kind === "internal-failure") error = errors.internalFailure();
  else if (kind === "service-unavailable") error = errors.serviceUnavailable();
  else if (kind !== undefined) throw new BadRequest(`unknown fault kind: ${kind}`);
  const e = body.error;
  if (e !== undefined) {
    if (!e || typeof e !== "object") throw new BadRequest("error must be an object");
    const o = e as Record<string, unknown>;
    const code = optionalString(o, "code");
    const status = optionalNumber(o, "status");
    if (!code || status === undefined) throw new BadRequest("error needs code and status");
    const type = optionalString(o, "type");
    if (type !== undefined && type !== "Sender" && type !== "Receiver") throw new BadRequest("error.type is Sender or Receiver");
    error = awsError(code, optionalString(o, "message") ?? "", status, type);
  }
  const service = optionalString(body, "service");
  const action = optionalString(body, "action");
  const count = optionalNumber(body, "count");
  const delayMs = optionalNumber(body, "delayMs");
  const hugeBodyBytes = optionalNumber(body, "hugeBodyBytes");
  return {
    ...(hugeBodyBytes !== undefined ? { hugeBodyBytes } : {}),
    ...(service !== undefined ? { service } : {}),
    ...(action !== undefined ? { action } : {}),
    ...(count !== undefined ? { count } : {}),
    ...(delayMs !== undefined ? { delayMs } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

function optionalBoolean(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw new BadRequest(`${key} must be a boolean`);
  return v;
}

/** `{ deny?, userName? }` of /sso/approve and /sso/authorize. */
function approveOptions(body: Record<string, unknown>): ApproveOptions {
  const deny = optionalBoolean(body, "deny");
  const userName = optionalString(body, "userName");
  return { ...(deny !== undefined ? { deny } : {}), ...(userName !== undefined ? { userName } : {}) };
}

/** A device authorization without its device code (the client's secret). */
function deviceView(d: DeviceAuthorization) {
  return {
    userCode: d.userCode,
    clientId: d.clientId,
    startUrl: d.startUrl,
    status: d.status,
    expiresAt: d.expiresAt.toISOString(),
    interval: d.interval,
    ...(d.userName !== undefined ? { userName: d.userName } : {}),
  };
}

function clockView(state: EmulatorState) {
  return { now: state.now().toISOString(), offsetSeconds: state.clock.offsetMs / 1000 };
}

export function controlHandler(emu: Controllable): RouteHandler {
  return (req) => {
    const route = `${req.method} ${req.path.slice(CONTROL_PREFIX.length - 1)}`;
    try {
      switch (route) {
        case "GET /health":
          return json(200, { ok: true, ...clockView(emu.state) });
        case "GET /calls": {
          const service = req.url.searchParams.get("service");
          const action = req.url.searchParams.get("action");
          const calls = emu.calls.filter((c) => (!service || c.service === service) && (!action || c.action === action));
          return json(200, { calls });
        }
        case "POST /reset-calls":
          emu.resetCalls();
          return json(200, { ok: true });
        case "POST /users": {
          const body = readJson(req);
          const key = emu.state.addUser(body as unknown as UserInput);
          return json(200, {
            userName: key.user.userName,
            account: key.user.account,
            arn: key.arn,
            userId: key.user.userId,
            accessKeyId: key.accessKeyId,
            secretAccessKey: key.secretAccessKey,
          });
        }
        case "POST /roles":
          return json(200, emu.state.addRole(readJson(req) as unknown as RoleInput));
        case "POST /mfa-devices": {
          const body = readJson(req);
          const serial = optionalString(body, "serial");
          if (!serial) throw new BadRequest("serial is required");
          emu.state.addMfaDevice(serial, optionalString(body, "code"));
          return json(200, { ok: true });
        }
        case "GET /faults":
          return json(200, { faults: emu.faults.list() });
        case "POST /faults":
          emu.faults.add(faultFromJson(readJson(req)));
          return json(200, { faults: emu.faults.list() });
        case "DELETE /faults":
          emu.faults.clear();
          return json(200, { faults: [] });
        case "GET /clock":
          return json(200, clockView(emu.state));
        case "POST /clock": {
          const body = readJson(req);
          const advance = optionalNumber(body, "advanceSeconds");
          const set = optionalString(body, "set");
          if (set !== undefined) {
            const date = new Date(set);
            if (Number.isNaN(date.getTime())) throw new BadRequest("set must be an ISO-8601 date");
            emu.state.clock.set(date);
          }
          if (advance !== undefined) emu.state.clock.advance(advance);
          return json(200, clockView(emu.state));
        }
        case "POST /credentials/expire":
        case "POST /credentials/revoke": {
          const accessKeyId = optionalString(readJson(req), "accessKeyId");
          const how = route.endsWith("expire") ? "expire" : "revoke";
          return json(200, { ended: emu.state.endTemporary(how, accessKeyId) });
        }
        case "POST /credential-lifetime": {
          const seconds = optionalNumber(readJson(req), "seconds");
          emu.state.credentialLifetimeOverride = seconds;
          return json(200, { seconds: seconds ?? null });
        }
        case "GET /sso/config":
          return json(200, emu.state.sso.config());
        case "POST /sso/config":
          emu.state.sso.configure(readJson(req) as SsoConfig);
          return json(200, emu.state.sso.config());
        case "GET /sso/accounts":
          return json(200, { accounts: [...emu.state.sso.accounts.values()] });
        case "POST /sso/accounts":
          return json(200, emu.state.sso.addAccount(readJson(req) as unknown as SsoAccountInput));
        case "GET /sso/devices":
          return json(200, { devices: [...emu.state.sso.deviceAuthorizations.values()].map(deviceView) });
        case "POST /sso/approve": {
          const body = readJson(req);
          const userCode = optionalString(body, "userCode");
          if (!userCode) throw new BadRequest("userCode is required");
          return json(200, deviceView(emu.state.sso.approveDevice(userCode, approveOptions(body))));
        }
        case "POST /sso/authorize": {
          const body = readJson(req);
          const url = optionalString(body, "url");
          if (!url) throw new BadRequest("url is required (the /authorize URL the browser was sent to)");
          return json(200, { redirectUrl: completeAuthorize(emu.state.sso, url, approveOptions(body)) });
        }
        case "POST /sso/expire-tokens": {
          const tokens = optionalString(readJson(req), "tokens") ?? "access";
          if (tokens !== "access" && tokens !== "refresh" && tokens !== "all") throw new BadRequest("tokens is access, refresh or all");
          return json(200, {
            expiredAccessTokens: tokens === "refresh" ? 0 : emu.state.sso.expireAccessTokens(),
            expiredRefreshTokens: tokens === "access" ? 0 : emu.state.sso.expireRefreshTokens(),
          });
        }
        case "GET /signin/config":
          return json(200, emu.state.signin.config());
        case "POST /signin/config":
          emu.state.signin.configure(readJson(req) as LoginConfig);
          return json(200, emu.state.signin.config());
        case "GET /signin/sessions":
          return json(200, { sessions: emu.state.signin.sessions() });
        case "POST /signin/authorize": {
          const body = readJson(req);
          const url = optionalString(body, "url");
          if (!url) throw new BadRequest("url is required (the /v1/authorize URL the browser was sent to)");
          const deny = optionalBoolean(body, "deny");
          const loginSession = optionalString(body, "loginSession");
          const base = `http://${req.headers.host ?? "127.0.0.1"}`;
          const redirect = completeLogin(emu.state.signin, url, base, {
            ...(deny !== undefined ? { deny } : {}),
            ...(loginSession !== undefined ? { loginSession } : {}),
          });
          // `redirectUrl` as /sso/authorize answers; `redirect` as the login brief names it.
          return json(200, { redirectUrl: redirect, redirect });
        }
        case "POST /signin/revoke": {
          const body = readJson(req);
          const loginSession = optionalString(body, "loginSession");
          if (!loginSession) throw new BadRequest("loginSession is required");
          const error = optionalString(body, "error") ?? "USER_CREDENTIALS_CHANGED";
          if (!["USER_CREDENTIALS_CHANGED", "INSUFFICIENT_PERMISSIONS", "TOKEN_EXPIRED"].includes(error)) {
            throw new BadRequest("error is USER_CREDENTIALS_CHANGED, INSUFFICIENT_PERMISSIONS or TOKEN_EXPIRED");
          }
          return json(200, { revoked: emu.state.signin.revoke(loginSession, error as LoginRevocation) });
        }
        default:
          return json(404, { error: `no control route ${route}` });
      }
    } catch (e) {
      // Setup mistakes (bad ARN, duplicate key, bad JSON) are the caller's: answer 400 with the reason.
      return json(400, { error: e instanceof Error ? e.message : String(e) });
    }
  };
}
