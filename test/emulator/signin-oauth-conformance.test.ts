// The AWS Sign-In OAuth emulation (`aws login`) driven by real clients: the official login credential provider
// (@aws-sdk/credential-provider-login) refreshing a token file, the nested SigninClient parsing the errors, and
// @aws-sdk/client-sts using the credentials. The code exchange is driven by hand (fetch + node:crypto), the way
// the CLI does it, so every DPoP and PKCE check can also be probed one by one.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromLoginCredentials } from "@aws-sdk/credential-provider-login";
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
    const { mkdirSync } = await import("node:fs");
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
});
