// The emulator's HTTP server (node:http only, so it runs the same under Bun, Node and Deno).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CONTROL_PREFIX, controlHandler } from "./control.ts";
import { FaultQueue } from "./faults.ts";
import { type CallRecord, type EmulatorContext, type EmulatorRequest, type RouteHandler, Router } from "./router.ts";
import { applySeed, type Seed, type SeededUser } from "./seed.ts";
import { completeAuthorize, ssoOidcRoutes } from "./sso-oidc.ts";
import { ssoPortalRoutes } from "./sso-portal.ts";
import type { ApproveOptions, DeviceAuthorization, SsoAccount, SsoAccountInput } from "./sso-state.ts";
import { EmulatorState, type Role, type RoleInput, type UserInput } from "./state.ts";
import { stsHandler } from "./sts.ts";
import { SIGNED_API_PREFIX, signedApiHandler } from "./signed-api.ts";
import { type CompleteLoginOptions, completeLogin, signinOAuthRoutes } from "./signin-oauth.ts";
import type { LoginConfig, LoginRevocation, LoginSessionView } from "./signin-oauth-state.ts";

export interface EmulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1 (the control API is unauthenticated, keep it off the network). */
  host?: string;
  seed?: Seed;
}

export interface CreatedUser {
  userName: string;
  account: string;
  arn: string;
  userId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Emulator {
  /** http://127.0.0.1:PORT, usable as an endpoint URL for every emulated service. */
  readonly url: string;
  readonly port: number;
  readonly state: EmulatorState;
  readonly faults: FaultQueue;
  /** Every call served, oldest first. The array is cleared in place by resetCalls(). */
  readonly calls: CallRecord[];
  /** Users created from `opts.seed`. */
  readonly seededUsers: SeededUser[];
  addUser(input: UserInput): CreatedUser;
  addRole(input: RoleInput): Role;
  addMfaDevice(serial: string, code?: string): void;
  /** Moves the emulator clock forward (negative moves it back); returns the new emulator time. */
  advanceClock(seconds: number): Date;
  now(): Date;
  /** Makes STS issue credentials that expire `seconds` after issue whatever was asked; undefined restores normal. */
  setCredentialLifetime(seconds: number | undefined): void;
  resetCalls(): void;
  /** Ends temporary credentials early: all issued so far, or those with `accessKeyId` (state.endTemporary). */
  expireCredentials(accessKeyId?: string): number;
  revokeCredentials(accessKeyId?: string): number;
  callsFor(action: string, service?: string): CallRecord[];
  /**
   * Extension point for other services: longest matching prefix wins, "*" = any method. A registered route also
   * wins over the built-in SSO routes it matches, so a test can stub one SSO operation.
   */
  registerRoute(method: string, pathPrefix: string, handler: RouteHandler): void;

  // --- IAM Identity Center (SSO-OIDC + SSO portal); the full state is `state.sso` ---
  /** Assigns an account and its permission sets (role names) to the signed-in user; replaces an existing one. */
  addSsoAccount(input: SsoAccountInput): SsoAccount;
  /** The user approves (or with `deny`, refuses) the device authorization showing this user code. */
  approveDevice(userCode: string, opts?: ApproveOptions): DeviceAuthorization;
  /**
   * The user answers the /authorize page at `authorizeUrl` (absolute, or a path): returns the URL the browser is
   * sent to, `redirect_uri?code=…&state=…` (or `?error=access_denied…` with `deny`). Fetch it to play the browser.
   */
  completeAuthorize(authorizeUrl: string, opts?: ApproveOptions): string;
  /** Every SSO access token issued so far expires now; returns how many were live. */
  expireAccessTokens(): number;
  /** Every SSO refresh token issued so far expires now (the sign-in sessions end); returns how many were live. */
  expireRefreshTokens(): number;
  /** Access tokens issued from now on live `seconds`; undefined restores the defaults (1 h with refresh, 8 h without). */
  setSsoTokenLifetime(seconds: number | undefined): void;
  /** ListAccounts / ListAccountRoles page size when the caller sends no max_result (default 20). */
  ssoPageSize: number;

  // --- AWS Sign-In OAuth (`aws login`); the full state is `state.signin` ---
  /**
   * The user answers the /v1/authorize page at `authorizeUrl` (absolute, or a path): returns the URL the browser
   * is sent to, `redirect_uri?code=…&state=…` (or `?error=access_denied&state=…` with `deny`). `loginSession`
   * (default DEFAULT_LOGIN_SESSION) is the console identity signing in; an absent IAM user is created.
   */
  completeLogin(authorizeUrl: string, opts?: CompleteLoginOptions): string;
  /** Every later refresh of this console identity's sign-ins fails: AccessDeniedException `error` (403; TOKEN_EXPIRED 401). */
  revokeLoginSession(loginSession: string, error?: LoginRevocation): number;
  /** Every sign-in so far, without secrets. */
  loginSessions(): LoginSessionView[];
  /** Sign-In settings (auth code life, session life, credential life, refresh-token reuse grace). */
  configureLogin(config: LoginConfig): void;
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Lower-case header map; repeated headers joined with "," (how SigV4 canonicalises them). */
function headerMap(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    out[name] = name in out ? `${out[name]},${value}` : value;
  }
  return out;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const state = new EmulatorState();
  const faults = new FaultQueue();
  const calls: CallRecord[] = [];
  const router = new Router();
  const host = opts.host ?? "127.0.0.1";
  const seededUsers = opts.seed ? applySeed(state, opts.seed) : [];

  const ctx: EmulatorContext = {
    state,
    faults,
    record: (call) => calls.push({ ...call, at: state.now() }),
  };
  const resetCalls = () => {
    calls.length = 0;
  };
  router.registerExact("POST", "/", stsHandler());
  router.register("*", SIGNED_API_PREFIX, signedApiHandler());
  router.register("*", CONTROL_PREFIX, controlHandler({ state, faults, calls, resetCalls }));
  for (const route of [...ssoOidcRoutes(), ...ssoPortalRoutes(), ...signinOAuthRoutes()]) router.registerBuiltin(route);

  const send = (res: ServerResponse, status: number, headers: Record<string, string>, body: string | Uint8Array) => {
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    // SDKs sample Date to correct clock skew (aws-sdk-js-v3 does on every response), so it must be the
    // emulator's clock, not the host's: advancing the clock then behaves like a skewed client against AWS.
    res.writeHead(status, { ...headers, Date: state.now().toUTCString(), "Content-Length": String(bytes.byteLength) });
    res.end(bytes);
  };

  // Filler as fast as the client reads it, chunked (no Content-Length to warn the client), until `bytes`
  // are sent or the client hangs up.
  const stream = (res: ServerResponse, status: number, headers: Record<string, string>, bytes: number) => {
    res.writeHead(status, { ...headers, Date: state.now().toUTCString() });
    const chunk = Buffer.alloc(64 * 1024, "<babble>");
    let left = bytes;
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        const n = Math.min(left, chunk.byteLength);
        left -= n;
        if (!res.write(n === chunk.byteLength ? chunk : chunk.subarray(0, n))) return void res.once("drain", pump);
      }
      if (!res.destroyed) res.end();
    };
    res.on("close", () => (left = 0));
    pump();
  };

  const server = createServer((req, res) => {
    void (async () => {
      try {
        const rawUrl = req.url ?? "/";
        const q = rawUrl.indexOf("?");
        const request: EmulatorRequest = {
          method: (req.method ?? "GET").toUpperCase(),
          path: q < 0 ? rawUrl : rawUrl.slice(0, q),
          query: q < 0 ? "" : rawUrl.slice(q + 1),
          headers: headerMap(req.rawHeaders),
          body: await readBody(req),
          url: new URL(rawUrl, `http://${host}`),
        };
        const handler = router.find(request.method, request.path);
        if (!handler) {
          send(res, 404, { "Content-Type": "text/plain" }, `no emulated service at ${request.method} ${request.path}\n`);
          return;
        }
        const out = await handler(request, ctx);
        if (out.streamBytes !== undefined) stream(res, out.status, out.headers ?? {}, out.streamBytes);
        else send(res, out.status, out.headers ?? {}, out.body ?? "");
      } catch (e) {
        console.error("emulator: request failed:", e);
        if (!res.headersSent) send(res, 500, { "Content-Type": "text/plain" }, "emulator internal error\n");
        else res.destroy();
      }
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;

  return {
    url,
    port,
    state,
    faults,
    calls,
    seededUsers,
    addUser(input) {
      const key = state.addUser(input);
      const { userName, account, userId } = key.user;
      return { userName, account, arn: key.arn, userId, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
    },
    addRole: (input) => state.addRole(input),
    addMfaDevice: (serial, code) => state.addMfaDevice(serial, code),
    advanceClock: (seconds) => state.clock.advance(seconds),
    now: () => state.now(),
    setCredentialLifetime(seconds) {
      state.credentialLifetimeOverride = seconds;
    },
    resetCalls,
    expireCredentials: (accessKeyId) => state.endTemporary("expire", accessKeyId),
    revokeCredentials: (accessKeyId) => state.endTemporary("revoke", accessKeyId),
    callsFor: (action, service = "sts") => calls.filter((c) => c.service === service && c.action === action),
    registerRoute: (method, pathPrefix, handler) => router.register(method, pathPrefix, handler),
    addSsoAccount: (input) => state.sso.addAccount(input),
    approveDevice: (userCode, opts) => state.sso.approveDevice(userCode, opts),
    completeAuthorize: (authorizeUrl, opts) => completeAuthorize(state.sso, authorizeUrl, opts),
    expireAccessTokens: () => state.sso.expireAccessTokens(),
    expireRefreshTokens: () => state.sso.expireRefreshTokens(),
    setSsoTokenLifetime(seconds) {
      state.sso.setTokenLifetime(seconds);
    },
    get ssoPageSize() {
      return state.sso.pageSize;
    },
    set ssoPageSize(size: number) {
      state.sso.setPageSize(size);
    },
    completeLogin: (authorizeUrl, opts) => completeLogin(state.signin, authorizeUrl, url, opts),
    revokeLoginSession: (loginSession, error) => state.signin.revoke(loginSession, error),
    loginSessions: () => state.signin.sessions(),
    configureLogin: (config) => state.signin.configure(config),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // SDK agents keep connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}
