// The AWS Sign-In OAuth emulation (`aws login`) driven by real clients: the official login credential provider
// (@aws-sdk/credential-provider-login) refreshing a token file, the nested SigninClient parsing the errors, and
// @aws-sdk/client-sts using the credentials. The code exchange is driven by hand (fetch + node:crypto), the way
// the CLI does it, so every DPoP and PKCE check can also be probed one by one.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromLoginCredentials } from "@aws-sdk/credential-provider-login";
import { CreateOAuth2TokenCommand, SigninClient } from "@aws-sdk/nested-clients/signin";
import {
  CROSS_DEVICE_CLIENT_ID,
  DEFAULT_LOGIN_SESSION,
  type Emulator,
  parseVerificationCode,
  SAME_DEVICE_CLIENT_ID,
  startEmulator,
  verificationCodeFor,
} from "./index.ts";

const REGION = "us-east-1";

// --- a hand-made client, as the CLI builds its requests --------------------------------------------------------

interface DpopKey {
  privateKey: KeyObject;
  jwk: { kty: string; crv: string; x: string; y: string };
}

function newKey(): DpopKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" }) as { x: string; y: string };
  return { privateKey, jwk: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y } };
}

interface ProofOptions {
  htm?: string;
  htu?: string;
  iat?: number;
  jti?: string;
  typ?: string;
  alg?: string;
  /** Sign with this key but put `key`'s jwk in the header (a forged proof). */
  signWith?: DpopKey;
}

const b64json = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

function proof(emu: Emulator, key: DpopKey, opts: ProofOptions = {}): string {
  const header = { typ: opts.typ ?? "dpop+jwt", alg: opts.alg ?? "ES256", jwk: key.jwk };
  const payload = {
    htm: opts.htm ?? "POST",
    htu: opts.htu ?? `${emu.url}/v1/token`,
    iat: opts.iat ?? Math.floor(Date.now() / 1000),
    jti: opts.jti ?? randomUUID(),
  };
  const input = `${b64json(header)}.${b64json(payload)}`;
  const signature = sign("sha256", Buffer.from(input), { key: (opts.signWith ?? key).privateKey, dsaEncoding: "ieee-p1363" });
  return `${input}.${signature.toString("base64url")}`;
}

interface TokenAnswer {
  status: number;
  errorType: string | null;
  body: Record<string, unknown>;
}

async function postToken(emu: Emulator, body: Record<string, unknown>, dpop: string | undefined): Promise<TokenAnswer> {
  const res = await fetch(`${emu.url}/v1/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(dpop !== undefined ? { DPoP: dpop } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, errorType: res.headers.get("x-amzn-errortype"), body: (await res.json()) as Record<string, unknown> };
}

function pkce() {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  const verifier = Array.from(randomBytes(64), (b) => alphabet[b % alphabet.length]).join("");
  // The CLI's form: urlsafe base64 with its one trailing "=" cut off.
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

function authorizeUrl(emu: Emulator, clientId: string, redirectUri: string, challenge: string, state: string): string {
  const q = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    state,
    code_challenge_method: "SHA-256",
    scope: "openid",
    redirect_uri: redirectUri,
  });
  return `${emu.url}/v1/authorize?${q}&code_challenge=${challenge}`;
}

interface Authorized {
  code: string;
  state: string;
  verifier: string;
  redirectUri: string;
  clientId: string;
}

/** The browser half: /v1/authorize answered by the test for the user. */
function authorize(emu: Emulator, opts: { clientId?: string; loginSession?: string } = {}): Authorized {
  const clientId = opts.clientId ?? SAME_DEVICE_CLIENT_ID;
  const redirectUri = clientId === SAME_DEVICE_CLIENT_ID ? "http://127.0.0.1:49152/oauth/callback" : `${emu.url}/v1/sessions/confirmation`;
  const { verifier, challenge } = pkce();
  const state = randomUUID();
  const redirect = new URL(
    emu.completeLogin(authorizeUrl(emu, clientId, redirectUri, challenge, state), opts.loginSession ? { loginSession: opts.loginSession } : {}),
  );
  expect(redirect.searchParams.get("state")).toBe(state);
  return { code: redirect.searchParams.get("code")!, state, verifier, redirectUri, clientId };
}

const exchangeBody = (a: Authorized, over: Record<string, unknown> = {}) => ({
  clientId: a.clientId,
  grantType: "authorization_code",
  code: a.code,
  codeVerifier: a.verifier,
  redirectUri: a.redirectUri,
  ...over,
});

const refreshBody = (refreshToken: string, clientId = SAME_DEVICE_CLIENT_ID) => ({ clientId, grantType: "refresh_token", refreshToken });

/** A full sign-in: the code exchange's answer and the key it is bound to. */
async function signIn(emu: Emulator, opts: { loginSession?: string } = {}) {
  const key = newKey();
  const a = authorize(emu, opts);
  const answer = await postToken(emu, exchangeBody(a), proof(emu, key));
  expect(answer.status).toBe(200);
  return { key, tokens: answer.body as unknown as TokenBody, authorized: a };
}

interface TokenBody {
  accessToken: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  tokenType: string;
  expiresIn: number;
  refreshToken: string;
  idToken?: string;
}

function jwtPayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

const stsWith = (emu: Emulator, c: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
  new STSClient({ region: REGION, endpoint: emu.url, credentials: c });

// --- the tests -------------------------------------------------------------------------------------------------

let emu: Emulator;
let dir: string;
const savedCacheDir = process.env.AWS_LOGIN_CACHE_DIRECTORY;

beforeAll(async () => {
  emu = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), "sesame-signin-"));
  process.env.AWS_LOGIN_CACHE_DIRECTORY = join(dir, "login-cache");
});

afterAll(async () => {
  await emu.stop();
  rmSync(dir, { recursive: true, force: true });
  if (savedCacheDir === undefined) delete process.env.AWS_LOGIN_CACHE_DIRECTORY;
  else process.env.AWS_LOGIN_CACHE_DIRECTORY = savedCacheDir;
});

beforeEach(() => {
  emu.resetCalls();
  emu.faults.clear();
  emu.configureLogin({ authCodeLifetimeSeconds: 300, sessionLifetimeSeconds: 43200, reuseGraceSeconds: 0, credentialSeconds: 900 });
});

describe("code exchange and refresh", () => {
  test("the code exchange answers 15-minute credentials of the console identity, a refresh token and an id token", async () => {
    const { tokens } = await signIn(emu);
    expect(tokens.tokenType).toBe("aws_sigv4");
    expect(tokens.expiresIn).toBe(900);
    expect(tokens.accessToken.accessKeyId).toMatch(/^ASIA/);
    expect(typeof tokens.refreshToken).toBe("string");
    expect(jwtPayload(tokens.idToken!).sub).toBe(DEFAULT_LOGIN_SESSION);
    const who = await stsWith(emu, tokens.accessToken).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(DEFAULT_LOGIN_SESSION);
    expect(who.Account).toBe("123456789012");
    const [call] = emu.callsFor("CreateOAuth2Token", "signin");
    expect(call!.params).toEqual({ grantType: "authorization_code", clientId: SAME_DEVICE_CLIENT_ID });
    expect(JSON.stringify(emu.calls)).not.toContain(tokens.refreshToken);
  });

  test("the official login credential provider refreshes a token file against the emulator; the old refresh token is refused", async () => {
    const loginSession = "arn:aws:iam::210987654321:user/Alice";
    const { key, tokens } = await signIn(emu, { loginSession });
    const cacheDir = process.env.AWS_LOGIN_CACHE_DIRECTORY!;
    const file = join(cacheDir, `${createHash("sha256").update(loginSession).digest("hex")}.json`);
    const soon = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(
      file,
      JSON.stringify({
        accessToken: { ...tokens.accessToken, accountId: "210987654321", expiresAt: soon },
        tokenType: tokens.tokenType,
        clientId: SAME_DEVICE_CLIENT_ID,
        refreshToken: tokens.refreshToken,
        idToken: tokens.idToken,
        dpopKey: key.privateKey.export({ format: "pem", type: "sec1" }),
      }),
      { mode: 0o600 },
    );
    const configFile = join(dir, "config");
    writeFileSync(configFile, `[profile p]\nlogin_session = ${loginSession}\nregion = ${REGION}\n`);
    const provider = fromLoginCredentials({
      profile: "p",
      filepath: join(dir, "credentials-absent"),
      configFilepath: configFile,
      clientConfig: { endpoint: emu.url },
    });
    const creds = await provider();
    expect(creds.accessKeyId).not.toBe(tokens.accessToken.accessKeyId);
    const who = await stsWith(emu, creds).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(loginSession);

    const onDisk = JSON.parse(readFileSync(file, "utf8")) as { refreshToken: string; accessToken: { accessKeyId: string } };
    expect(onDisk.refreshToken).not.toBe(tokens.refreshToken);
    expect(onDisk.accessToken.accessKeyId).toBe(creds.accessKeyId);
    expect(emu.loginSessions().find((s) => s.loginSession === loginSession)?.refreshCount).toBe(1);

    const again = await postToken(emu, refreshBody(tokens.refreshToken), proof(emu, key));
    expect(again.status).toBe(401);
    expect(again.errorType).toBe("AccessDeniedException");
    expect(again.body.error).toBe("TOKEN_EXPIRED");
    // The rotated one still works.
    const next = await postToken(emu, refreshBody(onDisk.refreshToken), proof(emu, key));
    expect(next.status).toBe(200);
  });

  test("the provider finds the emulator through AWS_ENDPOINT_URL_SIGNIN too", async () => {
    const loginSession = "arn:aws:iam::123456789012:user/EnvEndpoint";
    const { key, tokens } = await signIn(emu, { loginSession });
    const cacheDir = process.env.AWS_LOGIN_CACHE_DIRECTORY!;
    mkdirSync(cacheDir, { recursive: true });
    const file = join(cacheDir, `${createHash("sha256").update(loginSession).digest("hex")}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        accessToken: { ...tokens.accessToken, accountId: "123456789012", expiresAt: new Date(Date.now() - 1000).toISOString() },
        tokenType: "aws_sigv4",
        clientId: SAME_DEVICE_CLIENT_ID,
        refreshToken: tokens.refreshToken,
        dpopKey: key.privateKey.export({ format: "pem", type: "sec1" }),
      }),
    );
    const configFile = join(dir, "config-env");
    writeFileSync(configFile, `[profile q]\nlogin_session = ${loginSession}\nregion = ${REGION}\n`);
    const saved = process.env.AWS_ENDPOINT_URL_SIGNIN;
    process.env.AWS_ENDPOINT_URL_SIGNIN = emu.url;
    try {
      const creds = await fromLoginCredentials({ profile: "q", filepath: join(dir, "credentials-absent"), configFilepath: configFile })();
      const who = await stsWith(emu, creds).send(new GetCallerIdentityCommand({}));
      expect(who.Arn).toBe(loginSession);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SIGNIN;
      else process.env.AWS_ENDPOINT_URL_SIGNIN = saved;
    }
    expect(JSON.parse(readFileSync(file, "utf8")).refreshToken).not.toBe(tokens.refreshToken);
  });
});

/** Sends a /v1/token call that must be refused with this exception, error and message (substring). */
async function refused(answer: Promise<TokenAnswer>, status: number, errorType: string, error: string, message?: string) {
  const a = await answer;
  expect({ status: a.status, errorType: a.errorType, error: a.body.error }).toEqual({ status, errorType, error });
  if (message !== undefined) expect(String(a.body.message)).toContain(message);
}

describe("DPoP: every check refuses a proof that is wrong in that one way (the same call with a good proof then works)", () => {
  const cases: [string, (emu: Emulator, key: DpopKey) => string | undefined, string][] = [
    ["missing DPoP header", () => undefined, "invalid DPoP proof: missing DPoP header"],
    ["bad signature", (emu, key) => proof(emu, key, { signWith: newKey() }), "invalid DPoP proof: signature does not verify"],
    ["tampered payload", (emu, key) => {
      const [h, , sig] = proof(emu, key).split(".");
      const forged = b64json({ htm: "POST", htu: `${emu.url}/v1/token`, iat: Math.floor(Date.now() / 1000), jti: randomUUID() });
      return `${h}.${forged}.${sig}`;
    }, "invalid DPoP proof: signature does not verify"],
    ["typ other than dpop+jwt", (emu, key) => proof(emu, key, { typ: "JWT" }), "invalid DPoP proof: typ must be dpop+jwt"],
    ["alg other than ES256", (emu, key) => proof(emu, key, { alg: "ES384" }), "invalid DPoP proof: alg must be ES256"],
    ["wrong htm", (emu, key) => proof(emu, key, { htm: "GET" }), "invalid DPoP proof: htm must be POST"],
    ["htu on another port", (emu, key) => proof(emu, key, { htu: `http://127.0.0.1:${emu.port === 1 ? 2 : 1}/v1/token` }), "invalid DPoP proof: htu must be"],
    ["htu with another path", (emu, key) => proof(emu, key, { htu: `${emu.url}/v1/authorize` }), "invalid DPoP proof: htu must be"],
    ["htu with https", (emu, key) => proof(emu, key, { htu: `${emu.url.replace("http:", "https:")}/v1/token` }), "invalid DPoP proof: htu must be"],
    ["stale iat", (emu, key) => proof(emu, key, { iat: Math.floor(Date.now() / 1000) - 301 }), "invalid DPoP proof: iat is not fresh"],
    ["iat in the future", (emu, key) => proof(emu, key, { iat: Math.floor(Date.now() / 1000) + 301 }), "invalid DPoP proof: iat is not fresh"],
    ["key other than the bound one", (emu) => proof(emu, newKey()), "invalid DPoP proof: key is not the one the refresh token is bound to"],
  ];
  for (const [name, make, message] of cases) {
    test(name, async () => {
      const { key, tokens } = await signIn(emu);
      await refused(postToken(emu, refreshBody(tokens.refreshToken), make(emu, key)), 400, "ValidationException", "INVALID_REQUEST", message);
      expect((await postToken(emu, refreshBody(tokens.refreshToken), proof(emu, key))).status).toBe(200);
    });
  }

  test("a jti is accepted once, even on another call", async () => {
    const { key, tokens } = await signIn(emu);
    const jti = randomUUID();
    const first = await postToken(emu, refreshBody(tokens.refreshToken), proof(emu, key, { jti }));
    expect(first.status).toBe(200);
    const next = (first.body as unknown as TokenBody).refreshToken;
    await refused(postToken(emu, refreshBody(next), proof(emu, key, { jti })), 400, "ValidationException", "INVALID_REQUEST", "invalid DPoP proof: jti reused");
    expect((await postToken(emu, refreshBody(next), proof(emu, key))).status).toBe(200);
  });

  test("the code exchange checks the proof too (a refused proof leaves the code usable)", async () => {
    const key = newKey();
    const a = authorize(emu);
    await refused(postToken(emu, exchangeBody(a), proof(emu, key, { htm: "PUT" })), 400, "ValidationException", "INVALID_REQUEST", "htm must be POST");
    expect((await postToken(emu, exchangeBody(a), proof(emu, key))).status).toBe(200);
  });

  test("iat is judged by the real clock: a moved emulator clock does not make a client's proof stale", async () => {
    const { key, tokens } = await signIn(emu);
    emu.advanceClock(3600);
    try {
      expect((await postToken(emu, refreshBody(tokens.refreshToken), proof(emu, key))).status).toBe(200);
    } finally {
      emu.advanceClock(-3600);
    }
  });

  test("htu is compared with the host the client reached (the Host header)", async () => {
    const { key, tokens } = await signIn(emu);
    // Sent to 127.0.0.1 as if addressed to localhost: the proof must name localhost.
    const send = (dpop: string) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify(refreshBody(tokens.refreshToken));
        const req = httpRequest(
          { host: "127.0.0.1", port: emu.port, method: "POST", path: "/v1/token", headers: { Host: `localhost:${emu.port}`, "Content-Type": "application/json", DPoP: dpop } },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    expect(await send(proof(emu, key))).toBe(400);
    expect(await send(proof(emu, key, { htu: `http://localhost:${emu.port}/v1/token` }))).toBe(200);
  });
});

describe("PKCE and the authorization code", () => {
  test("a wrong code verifier is refused; the right one then works", async () => {
    const key = newKey();
    const a = authorize(emu);
    await refused(
      postToken(emu, exchangeBody(a, { codeVerifier: pkce().verifier }), proof(emu, key)),
      400,
      "ValidationException",
      "INVALID_REQUEST",
      "codeVerifier does not match",
    );
    expect((await postToken(emu, exchangeBody(a), proof(emu, key))).status).toBe(200);
  });

  test("a code is good once", async () => {
    const key = newKey();
    const a = authorize(emu);
    expect((await postToken(emu, exchangeBody(a), proof(emu, key))).status).toBe(200);
    await refused(postToken(emu, exchangeBody(a), proof(emu, key)), 401, "AccessDeniedException", "AUTHCODE_EXPIRED");
  });

  test("a code expires after 5 minutes of emulator time", async () => {
    const key = newKey();
    const a = authorize(emu);
    const b = authorize(emu);
    emu.advanceClock(301);
    try {
      await refused(postToken(emu, exchangeBody(a), proof(emu, key)), 401, "AccessDeniedException", "AUTHCODE_EXPIRED");
    } finally {
      emu.advanceClock(-301);
    }
    emu.advanceClock(299);
    try {
      expect((await postToken(emu, exchangeBody(b), proof(emu, key))).status).toBe(200);
    } finally {
      emu.advanceClock(-299);
    }
  });

  test("the redirect URI must repeat the authorization request's", async () => {
    const key = newKey();
    const a = authorize(emu);
    await refused(
      postToken(emu, exchangeBody(a, { redirectUri: "http://127.0.0.1:49153/oauth/callback" }), proof(emu, key)),
      400,
      "ValidationException",
      "INVALID_REQUEST",
      "redirectUri does not match",
    );
    expect((await postToken(emu, exchangeBody(a), proof(emu, key))).status).toBe(200);
  });

  test("a code is bound to the client it was issued to", async () => {
    const key = newKey();
    const a = authorize(emu);
    await refused(postToken(emu, exchangeBody(a, { clientId: CROSS_DEVICE_CLIENT_ID }), proof(emu, key)), 400, "ValidationException", "INVALID_REQUEST");
    expect((await postToken(emu, exchangeBody(a), proof(emu, key))).status).toBe(200);
  });

  test("missing members and unknown grants are ValidationException INVALID_REQUEST", async () => {
    const key = newKey();
    const a = authorize(emu);
    for (const missing of ["clientId", "grantType", "code", "codeVerifier", "redirectUri"]) {
      const body: Record<string, unknown> = exchangeBody(a);
      delete body[missing];
      await refused(postToken(emu, body, proof(emu, key)), 400, "ValidationException", "INVALID_REQUEST", `Missing required parameter: ${missing}`);
    }
    await refused(postToken(emu, refreshBody(""), proof(emu, key)), 400, "ValidationException", "INVALID_REQUEST", "refreshToken");
    await refused(postToken(emu, exchangeBody(a, { grantType: "password" }), proof(emu, key)), 400, "ValidationException", "INVALID_REQUEST", "grantType");
    await refused(postToken(emu, exchangeBody(a, { clientId: "arn:aws:signin:::devtools/other" }), proof(emu, key)), 400, "ValidationException", "INVALID_REQUEST", "clientId");
    expect((await postToken(emu, exchangeBody(a), proof(emu, key))).status).toBe(200);
  });

  test("a form-encoded body (snake_case names) is accepted as the model says", async () => {
    const key = newKey();
    const a = authorize(emu);
    const res = await fetch(`${emu.url}/v1/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", DPoP: proof(emu, key) },
      body: new URLSearchParams({
        client_id: a.clientId,
        grant_type: "authorization_code",
        code: a.code,
        code_verifier: a.verifier,
        redirect_uri: a.redirectUri,
      }).toString(),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as TokenBody).tokenType).toBe("aws_sigv4");
  });
});

describe("the /v1/authorize page", () => {
  const get = (url: string) => fetch(url, { redirect: "manual" });

  test("a valid request shows the consent page and is logged without secrets", async () => {
    const { challenge } = pkce();
    const res = await get(authorizeUrl(emu, SAME_DEVICE_CLIENT_ID, "http://127.0.0.1:5000/oauth/callback", challenge, randomUUID()));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("completeLogin");
    const [call] = emu.callsFor("Authorize", "signin");
    expect(call!.params).toEqual({ clientId: SAME_DEVICE_CLIENT_ID, redirectUri: "http://127.0.0.1:5000/oauth/callback" });
  });

  test("an unknown client or a redirect URI the client may not use is an error page, not a redirect", async () => {
    const { challenge } = pkce();
    const state = randomUUID();
    for (const [clientId, redirectUri] of [
      ["arn:aws:signin:::devtools/other", "http://127.0.0.1:5000/oauth/callback"],
      [SAME_DEVICE_CLIENT_ID, "https://attacker.example/oauth/callback"],
      [SAME_DEVICE_CLIENT_ID, "http://127.0.0.1:5000/elsewhere"],
      [CROSS_DEVICE_CLIENT_ID, "http://127.0.0.1:5000/oauth/callback"],
      [CROSS_DEVICE_CLIENT_ID, "https://attacker.example/v1/sessions/confirmation"],
    ] as const) {
      const res = await get(authorizeUrl(emu, clientId, redirectUri, challenge, state));
      expect(res.status).toBe(400);
      expect(() => emu.completeLogin(authorizeUrl(emu, clientId, redirectUri, challenge, state))).toThrow("cannot be completed");
    }
  });

  test("other mistakes go back to the client as error redirects", async () => {
    const { challenge } = pkce();
    const state = randomUUID();
    const redirectUri = "http://127.0.0.1:5000/oauth/callback";
    const good = authorizeUrl(emu, SAME_DEVICE_CLIENT_ID, redirectUri, challenge, state);
    for (const [url, error] of [
      [good.replace("code_challenge_method=SHA-256", "code_challenge_method=S256"), "invalid_request"],
      [good.replace("response_type=code", "response_type=token"), "unsupported_response_type"],
      [good.replace("scope=openid", "scope=profile"), "invalid_scope"],
      [good.replace(`code_challenge=${challenge}`, "code_challenge=short"), "invalid_request"],
    ] as const) {
      const res = await get(url);
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get("location")!);
      expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
      expect(location.searchParams.get("error")).toBe(error);
      expect(location.searchParams.get("state")).toBe(state);
    }
    expect((await get(good)).status).toBe(200);
  });

  test("the user can refuse", () => {
    const { challenge } = pkce();
    const state = randomUUID();
    const redirect = new URL(emu.completeLogin(authorizeUrl(emu, SAME_DEVICE_CLIENT_ID, "http://127.0.0.1:5000/oauth/callback", challenge, state), { deny: true }));
    expect(redirect.searchParams.get("error")).toBe("access_denied");
    expect(redirect.searchParams.get("state")).toBe(state);
    expect(redirect.searchParams.has("code")).toBe(false);
  });
});

describe("cross-device (aws login --remote)", () => {
  test("the confirmation page shows the verification code: base64 of state and code, which redeems", async () => {
    const a = authorize(emu, { clientId: CROSS_DEVICE_CLIENT_ID });
    const redirect = `${a.redirectUri}?${new URLSearchParams({ code: a.code, state: a.state })}`;
    const page = await (await fetch(redirect)).text();
    const shown = /<code id="verification-code">([^<]*)<\/code>/.exec(page)?.[1];
    expect(shown).toBeDefined();
    expect(shown).toBe(verificationCodeFor(redirect));
    // What the CLI does with the pasted code (parse_verification_code).
    const pasted = new URLSearchParams(Buffer.from(shown!, "base64").toString("utf8"));
    expect({ state: pasted.get("state"), code: pasted.get("code") }).toEqual({ state: a.state, code: a.code });
    expect(parseVerificationCode(shown!)).toEqual({ state: a.state, code: a.code });

    const key = newKey();
    const answer = await postToken(emu, exchangeBody(a), proof(emu, key));
    expect(answer.status).toBe(200);
    const next = await postToken(emu, refreshBody((answer.body as unknown as TokenBody).refreshToken, CROSS_DEVICE_CLIENT_ID), proof(emu, key));
    expect(next.status).toBe(200);
  });
});

describe("the login session", () => {
  test("ends 12 hours after sign-in (configurable): refresh is then TOKEN_EXPIRED", async () => {
    emu.configureLogin({ sessionLifetimeSeconds: 3600 });
    const { key, tokens } = await signIn(emu);
    emu.advanceClock(1800);
    let current: string;
    try {
      const mid = await postToken(emu, refreshBody(tokens.refreshToken), proof(emu, key));
      expect(mid.status).toBe(200);
      current = (mid.body as unknown as TokenBody).refreshToken;
      emu.advanceClock(1801);
      await refused(postToken(emu, refreshBody(current), proof(emu, key)), 401, "AccessDeniedException", "TOKEN_EXPIRED");
    } finally {
      emu.advanceClock(-3601);
    }
  });

  test("revokeLoginSession: every refresh of that identity is AccessDeniedException USER_CREDENTIALS_CHANGED 403", async () => {
    const loginSession = "arn:aws:iam::123456789012:user/revoked-dev";
    const { key, tokens } = await signIn(emu, { loginSession });
    const other = await signIn(emu);
    expect(emu.revokeLoginSession(loginSession)).toBe(1);
    await refused(postToken(emu, refreshBody(tokens.refreshToken), proof(emu, key)), 403, "AccessDeniedException", "USER_CREDENTIALS_CHANGED");
    expect((await postToken(emu, refreshBody(other.tokens.refreshToken), proof(emu, other.key))).status).toBe(200);
    expect(emu.loginSessions().find((s) => s.loginSession === loginSession)?.revoked).toBe("USER_CREDENTIALS_CHANGED");
  });

  test("a rotated-out refresh token gets the same answer again within reuseGraceSeconds, TOKEN_EXPIRED after", async () => {
    emu.configureLogin({ reuseGraceSeconds: 30 });
    const { key, tokens } = await signIn(emu);
    const first = await postToken(emu, refreshBody(tokens.refreshToken), proof(emu, key));
    const again = await postToken(emu, refreshBody(tokens.refreshToken), proof(emu, key));
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    emu.advanceClock(31);
    try {
      await refused(postToken(emu, refreshBody(tokens.refreshToken), proof(emu, key)), 401, "AccessDeniedException", "TOKEN_EXPIRED");
      expect((await postToken(emu, refreshBody((first.body as unknown as TokenBody).refreshToken), proof(emu, key))).status).toBe(200);
    } finally {
      emu.advanceClock(-31);
    }
  });

  test("a refresh token is bound to its client; an unknown one is TOKEN_EXPIRED", async () => {
    const { key, tokens } = await signIn(emu);
    await refused(postToken(emu, refreshBody(tokens.refreshToken, CROSS_DEVICE_CLIENT_ID), proof(emu, key)), 400, "ValidationException", "INVALID_REQUEST");
    await refused(postToken(emu, refreshBody("not-a-token"), proof(emu, key)), 401, "AccessDeniedException", "TOKEN_EXPIRED");
    expect((await postToken(emu, refreshBody(tokens.refreshToken), proof(emu, key))).status).toBe(200);
  });

  test("loginSessions() shows each sign-in without secrets", async () => {
    const loginSession = "arn:aws:iam::123456789012:user/inspected";
    const { key, tokens } = await signIn(emu, { loginSession });
    await postToken(emu, refreshBody(tokens.refreshToken), proof(emu, key));
    const view = emu.loginSessions().find((s) => s.loginSession === loginSession)!;
    expect(view).toMatchObject({ clientId: SAME_DEVICE_CLIENT_ID, refreshCount: 1, revoked: false });
    expect(view.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(view.expiresAt.getTime() - view.startedAt.getTime()).toBe(43200_000);
    expect(JSON.stringify(view)).not.toContain(tokens.refreshToken);
  });
});

describe("the credentials act as the console identity in STS", () => {
  test("AssumeRole from them works like from other temporary credentials of a user (role chaining: 1 hour at most)", async () => {
    const loginSession = "arn:aws:iam::123456789012:user/chainer";
    emu.addRole({ arn: "arn:aws:iam::123456789012:role/FromLogin", trust: [loginSession], maxSessionDuration: 43200 });
    const { tokens } = await signIn(emu, { loginSession });
    const sts = stsWith(emu, tokens.accessToken);
    const ok = await sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/FromLogin", RoleSessionName: "sess" }));
    expect(ok.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/FromLogin/sess");
    await expect(
      sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/FromLogin", RoleSessionName: "sess", DurationSeconds: 7200 })),
    ).rejects.toThrow("role chaining");
  });

  test("an assumed-role console identity signs in as that role session", async () => {
    const loginSession = "arn:aws:sts::123456789012:assumed-role/ConsoleAdmin/alice";
    const { tokens } = await signIn(emu, { loginSession });
    expect(jwtPayload(tokens.idToken!).sub).toBe(loginSession);
    const who = await stsWith(emu, tokens.accessToken).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(loginSession);
  });
});

describe("the nested SigninClient (what the SDK's login provider uses) parses the emulator's answers", () => {
  /** A SigninClient that signs a DPoP proof for each request, as the provider's interceptor does. */
  function signinClient(key: () => DpopKey | undefined, maxAttempts = 1) {
    const client = new SigninClient({ region: REGION, endpoint: emu.url, maxAttempts, credentials: { accessKeyId: "", secretAccessKey: "" } });
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { protocol: string; hostname: string; port?: number; path: string; headers: Record<string, string> };
        const k = key();
        if (k) request.headers.DPoP = proof(emu, k, { htu: `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ""}${request.path}` });
        return next(args);
      },
      { step: "finalizeRequest", name: "testDpop" },
    );
    return client;
  }

  async function sdkError(call: Promise<unknown>) {
    try {
      await call;
    } catch (e) {
      const err = e as Error & { error?: unknown; $metadata?: { httpStatusCode?: number } };
      return { name: err.name, error: err.error, status: err.$metadata?.httpStatusCode, message: err.message };
    }
    throw new Error("the call succeeded");
  }

  test("a refresh succeeds and its output is parsed", async () => {
    const { key, tokens } = await signIn(emu);
    const out = await signinClient(() => key).send(new CreateOAuth2TokenCommand({ tokenInput: refreshBody(tokens.refreshToken) }));
    expect(out.tokenOutput?.tokenType).toBe("aws_sigv4");
    expect(out.tokenOutput?.expiresIn).toBe(900);
    expect(out.tokenOutput?.accessToken?.accessKeyId).toMatch(/^ASIA/);
    expect(out.tokenOutput?.refreshToken).not.toBe(tokens.refreshToken);
  });

  test("AccessDeniedException with error TOKEN_EXPIRED (a reused refresh token)", async () => {
    const { key, tokens } = await signIn(emu);
    const client = signinClient(() => key);
    await client.send(new CreateOAuth2TokenCommand({ tokenInput: refreshBody(tokens.refreshToken) }));
    expect(await sdkError(client.send(new CreateOAuth2TokenCommand({ tokenInput: refreshBody(tokens.refreshToken) })))).toMatchObject({
      name: "AccessDeniedException",
      error: "TOKEN_EXPIRED",
      status: 401,
    });
  });

  test("AccessDeniedException with error USER_CREDENTIALS_CHANGED (a revoked session)", async () => {
    const loginSession = "arn:aws:iam::123456789012:user/password-changed";
    const { key, tokens } = await signIn(emu, { loginSession });
    emu.revokeLoginSession(loginSession);
    expect(await sdkError(signinClient(() => key).send(new CreateOAuth2TokenCommand({ tokenInput: refreshBody(tokens.refreshToken) })))).toMatchObject({
      name: "AccessDeniedException",
      error: "USER_CREDENTIALS_CHANGED",
      status: 403,
    });
  });

  test("ValidationException for a missing or bad proof", async () => {
    const { tokens } = await signIn(emu);
    const failure = await sdkError(signinClient(() => undefined).send(new CreateOAuth2TokenCommand({ tokenInput: refreshBody(tokens.refreshToken) })));
    expect(failure).toMatchObject({ name: "ValidationException", error: "INVALID_REQUEST", status: 400 });
    expect(failure.message).toContain("invalid DPoP proof");
    const other = newKey();
    expect(await sdkError(signinClient(() => other).send(new CreateOAuth2TokenCommand({ tokenInput: refreshBody(tokens.refreshToken) })))).toMatchObject({
      name: "ValidationException",
      error: "INVALID_REQUEST",
    });
  });

  test("faults: throttling is TooManyRequestsError 429, a server fault InternalServerException 500", async () => {
    const { key, tokens } = await signIn(emu);
    emu.faults.throttle("CreateOAuth2Token", 1, "signin");
    expect(await sdkError(signinClient(() => key).send(new CreateOAuth2TokenCommand({ tokenInput: refreshBody(tokens.refreshToken) })))).toMatchObject({
      name: "TooManyRequestsError",
      status: 429,
    });
    emu.faults.serverError("CreateOAuth2Token", 1, "InternalFailure", "signin");
    expect(await sdkError(signinClient(() => key).send(new CreateOAuth2TokenCommand({ tokenInput: refreshBody(tokens.refreshToken) })))).toMatchObject({
      name: "InternalServerException",
      error: "server_error",
      status: 500,
    });
    emu.faults.error("CreateOAuth2Token", "INSUFFICIENT_PERMISSIONS", "no signin:CreateOAuth2Token", 403, 1, "signin");
    expect(await sdkError(signinClient(() => key).send(new CreateOAuth2TokenCommand({ tokenInput: refreshBody(tokens.refreshToken) })))).toMatchObject({
      name: "AccessDeniedException",
      error: "INSUFFICIENT_PERMISSIONS",
      status: 403,
    });
    const failed = emu.callsFor("CreateOAuth2Token", "signin").slice(-3).map((c) => c.errorCode);
    expect(failed).toEqual(["INVALID_REQUEST", "server_error", "INSUFFICIENT_PERMISSIONS"]);
  });
});

describe("faults of the raw service", () => {
  test("a babbling token endpoint and a failing authorize page", async () => {
    emu.faults.hugeBody("CreateOAuth2Token", 1 << 20, 1, "signin");
    const res = await fetch(`${emu.url}/v1/token`, { method: "POST", body: "{}" });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(1 << 20);
    emu.faults.serverError("Authorize", 1, "ServiceUnavailable", "signin");
    const { challenge } = pkce();
    const url = authorizeUrl(emu, SAME_DEVICE_CLIENT_ID, "http://127.0.0.1:5000/oauth/callback", challenge, randomUUID());
    expect((await fetch(url)).status).toBe(503);
    expect((await fetch(url)).status).toBe(200);
  });
});

describe("the control API (for external drivers such as the demo)", () => {
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/_emulator${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  test("authorize, sessions, revoke and config", async () => {
    const key = newKey();
    const { verifier, challenge } = pkce();
    const state = randomUUID();
    const redirectUri = "http://127.0.0.1:5000/oauth/callback";
    const loginSession = "arn:aws:iam::123456789012:user/demo";
    const auth = await control("POST", "/signin/authorize", { url: authorizeUrl(emu, SAME_DEVICE_CLIENT_ID, redirectUri, challenge, state), loginSession });
    expect(auth.status).toBe(200);
    expect(auth.body.redirect).toBe(auth.body.redirectUrl);
    const code = new URL(auth.body.redirect as string).searchParams.get("code")!;
    const a: Authorized = { code, state, verifier, redirectUri, clientId: SAME_DEVICE_CLIENT_ID };
    const answer = await postToken(emu, exchangeBody(a), proof(emu, key));
    expect(jwtPayload((answer.body as unknown as TokenBody).idToken!).sub).toBe(loginSession);
    const sessions = (await control("GET", "/signin/sessions")).body.sessions as { loginSession: string }[];
    expect(sessions.some((s) => s.loginSession === loginSession)).toBe(true);
    expect((await control("POST", "/signin/revoke", { loginSession, error: "INSUFFICIENT_PERMISSIONS" })).body).toEqual({ revoked: 1 });
    await refused(postToken(emu, refreshBody((answer.body as unknown as TokenBody).refreshToken), proof(emu, key)), 403, "AccessDeniedException", "INSUFFICIENT_PERMISSIONS");
    expect((await control("POST", "/signin/config", { reuseGraceSeconds: 5 })).body.reuseGraceSeconds).toBe(5);
    expect((await control("POST", "/signin/config", { sessionLifetimeSeconds: -1 })).status).toBe(400);
    expect((await control("GET", "/signin/config")).body.sessionLifetimeSeconds).toBe(43200);
  });
});
