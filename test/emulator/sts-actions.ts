// STS operations (aws-wire.md §1.4, §1.7): parameter constraints from the service model, the authorization
// rules AWS applies (trust, external id, MFA, role chaining, session-credential restrictions) and the result
// members. Each operation returns the inner XML of its <{Op}Result> element or throws an AwsFault.
import { createHash } from "node:crypto";
import { type AwsError, awsError, fail } from "./errors.ts";
import type { Caller, EmulatorState, Identity, Role, TemporaryCredential } from "./state.ts";
import { isoSeconds, leaf, node } from "./xml.ts";

export interface OperationInput {
  params: URLSearchParams;
  /** Authenticated caller; undefined for unsigned operations. */
  caller: Caller | undefined;
  state: EmulatorState;
}

export interface Operation {
  /** Whether the operation is SigV4-signed (AssumeRoleWithWebIdentity/SAML are not). */
  signed: boolean;
  run(input: OperationInput): string;
}

const NAME_PATTERN = /^[\w+=,.@-]*$/;
const CHAINING_LIMIT_SECONDS = 3600;

// --- model constraints -------------------------------------------------------------------------------------

/** Collects constraint violations and reports them the way AWS does ("2 validation errors detected: …; …"). */
class Constraints {
  private readonly problems: string[] = [];

  constructor(private readonly params: URLSearchParams) {}

  private violation(member: string, value: string | undefined, rule: string): void {
    const shown = value === undefined ? "null" : `'${value}'`;
    this.problems.push(`Value ${shown} at '${member}' failed to satisfy constraint: Member must ${rule}`);
  }

  /** Reads a string parameter, checking presence, length and pattern. */
  string(
    param: string,
    opts: { required?: boolean; min?: number; max?: number; pattern?: RegExp; patternText?: string },
  ): string | undefined {
    const member = param[0]!.toLowerCase() + param.slice(1);
    const value = this.params.get(param) ?? undefined;
    if (value === undefined) {
      if (opts.required) this.violation(member, undefined, "not be null");
      return undefined;
    }
    if (opts.min !== undefined && value.length < opts.min) {
      this.violation(member, value, `have length greater than or equal to ${opts.min}`);
    } else if (opts.max !== undefined && value.length > opts.max) {
      this.violation(member, value, `have length less than or equal to ${opts.max}`);
    } else if (opts.pattern && !opts.pattern.test(value)) {
      this.violation(member, value, `satisfy regular expression pattern: ${opts.patternText ?? opts.pattern.source}`);
    }
    return value;
  }

  /** Reads DurationSeconds-style integers within [min, max]. */
  integer(param: string, min: number, max: number): number | undefined {
    const member = param[0]!.toLowerCase() + param.slice(1);
    const raw = this.params.get(param);
    if (raw === null) return undefined;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value)) {
      this.violation(member, raw, "be an integer");
      return undefined;
    }
    if (value < min) this.violation(member, raw, `have value greater than or equal to ${min}`);
    else if (value > max) this.violation(member, raw, `have value less than or equal to ${max}`);
    return value;
  }

  check(): void {
    const n = this.problems.length;
    if (n > 0) fail("ValidationError", `${n} validation error${n > 1 ? "s" : ""} detected: ${this.problems.join("; ")}`, 400);
  }
}

const roleArn = (c: Constraints) => c.string("RoleArn", { required: true, min: 20, max: 2048 });
const sessionName = (c: Constraints) =>
  c.string("RoleSessionName", { required: true, min: 2, max: 64, pattern: NAME_PATTERN, patternText: "[\\w+=,.@-]*" });
const serialNumber = (c: Constraints) =>
  c.string("SerialNumber", { min: 9, max: 256, pattern: /^[\w+=/:,.@-]*$/, patternText: "[\\w+=/:,.@-]*" });
const tokenCode = (c: Constraints) => c.string("TokenCode", { min: 6, max: 6, pattern: /^\d*$/, patternText: "[\\d]*" });
const policy = (c: Constraints) => c.string("Policy", { min: 1, max: 2048 });

// --- shared rules --------------------------------------------------------------------------------------------

function notAuthorized(caller: Identity, action: string, resource: string): never {
  fail("AccessDenied", `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resource}`, 403);
}

function trusts(role: Role, principal: Identity): boolean {
  if (role.trust === "*") return true;
  // Naming the account (its root ARN or bare id) in a trust policy admits every principal of that account.
  return role.trust.some(
    (p) => p === principal.principalArn || p === `arn:aws:iam::${principal.account}:root` || p === principal.account,
  );
}

/** Validates SerialNumber+TokenCode when either is sent; returns whether MFA was proven on this call. */
function checkMfa(state: EmulatorState, serial: string | undefined, code: string | undefined): boolean {
  if (serial === undefined && code === undefined) return false;
  if (serial === undefined || code === undefined) {
    fail(
      "AccessDenied",
      "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.",
      403,
    );
  }
  if (!state.mfaCodeMatches(serial, code)) {
    fail("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.", 403);
  }
  return true;
}

/** PackedPolicySize is only reported when session policies or tags were passed (percent of the packed limit). */
function packedPolicySize(params: URLSearchParams): number | undefined {
  let packed = 0;
  let present = false;
  for (const [key, value] of params) {
    if (key === "Policy" || /^PolicyArns\.member\.\d+\.arn$/.test(key) || /^Tags\.member\.\d+\.(Key|Value)$/.test(key)) {
      present = true;
      packed += value.length;
    }
  }
  if (!present) return undefined;
  const percent = Math.max(1, Math.ceil((packed / 2048) * 100));
  if (percent > 100) {
    fail("PackedPolicyTooLarge", `Packed size of consumed policies exceeds 100% of allotted size (${percent}%)`, 400);
  }
  return percent;
}

function checkPolicyJson(text: string | undefined): void {
  if (text === undefined) return;
  try {
    JSON.parse(text);
  } catch {
    fail("MalformedPolicyDocument", "The policy is not in the valid JSON format.", 400);
  }
}

function credentialsXml(c: TemporaryCredential): string {
  return node(
    "Credentials",
    leaf("AccessKeyId", c.accessKeyId),
    leaf("SecretAccessKey", c.secretAccessKey),
    leaf("SessionToken", c.sessionToken),
    leaf("Expiration", isoSeconds(c.expiration)),
  );
}

function assumedRoleUserXml(identity: Identity): string {
  return node("AssumedRoleUser", leaf("AssumedRoleId", identity.userId), leaf("Arn", identity.arn));
}

function requireCaller(caller: Caller | undefined): Caller {
  if (!caller) throw new Error("signed operation reached without an authenticated caller");
  return caller;
}

// --- operations --------------------------------------------------------------------------------------------

const getCallerIdentity: Operation = {
  signed: true,
  run({ caller }) {
    const id = requireCaller(caller).identity;
    return leaf("Arn", id.arn) + leaf("UserId", id.userId) + leaf("Account", id.account);
  },
};

const getSessionToken: Operation = {
  signed: true,
  run({ params, caller, state }) {
    const c = new Constraints(params);
    const duration = c.integer("DurationSeconds", 900, 129600) ?? 43200;
    const serial = serialNumber(c);
    const code = tokenCode(c);
    c.check();
    const who = requireCaller(caller);
    if (who.kind !== "long-term") fail("AccessDenied", "Cannot call GetSessionToken with session credentials", 403);
    const mfa = checkMfa(state, serial, code);
    const cred = state.issueTemporary({
      identity: who.identity,
      source: "session-token",
      durationSeconds: duration,
      chained: false,
      mfaAuthenticated: mfa,
      issuedBy: who.accessKeyId,
    });
    return credentialsXml(cred);
  },
};

const assumeRole: Operation = {
  signed: true,
  run({ params, caller, state }) {
    const c = new Constraints(params);
    const arn = roleArn(c);
    const session = sessionName(c);
    const requested = c.integer("DurationSeconds", 900, 43200);
    const externalId = c.string("ExternalId", { min: 2, max: 1224, pattern: /^[\w+=,.@:/-]*$/, patternText: "[\\w+=,.@:\\/-]*" });
    const serial = serialNumber(c);
    const code = tokenCode(c);
    const sourceIdentity = c.string("SourceIdentity", { min: 2, max: 64, pattern: NAME_PATTERN, patternText: "[\\w+=,.@-]*" });
    const sessionPolicy = policy(c);
    c.check();
    const who = requireCaller(caller);
    const roleArnValue = arn!;
    const role = state.roles.get(roleArnValue);
    // Federated-user sessions may call no STS operation but GetCallerIdentity.
    if (!role || who.identity.kind === "federated-user" || !trusts(role, who.identity)) {
      notAuthorized(who.identity, "sts:AssumeRole", roleArnValue);
    }
    if (role.requiredExternalId !== undefined && externalId !== role.requiredExternalId) {
      notAuthorized(who.identity, "sts:AssumeRole", roleArnValue);
    }
    const callerMfa = who.kind === "temporary" && who.credential.mfaAuthenticated;
    const mfa = checkMfa(state, serial, code) || callerMfa;
    if (role.requireMfa && !mfa) notAuthorized(who.identity, "sts:AssumeRole", roleArnValue);

    // Any temporary credentials, GetSessionToken's included, make this role chaining (aws-wire.md §1.7).
    const chained = who.kind === "temporary";
    const duration = requested ?? 3600;
    if (chained && duration > CHAINING_LIMIT_SECONDS) {
      fail("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.", 400);
    }
    if (duration > role.maxSessionDuration) {
      fail("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400);
    }
    checkPolicyJson(sessionPolicy);
    const packed = packedPolicySize(params);
    const identity = state.assumedRoleIdentity(role, session!);
    const cred = state.issueTemporary({
      identity,
      source: "assume-role",
      durationSeconds: duration,
      chained,
      mfaAuthenticated: mfa,
      issuedBy: who.accessKeyId,
    });
    return assumedRoleUserXml(identity) + credentialsXml(cred) + leaf("PackedPolicySize", packed) + leaf("SourceIdentity", sourceIdentity);
  },
};

/** Claims of a JWT web identity token, when the token is one; opaque tokens are accepted as they are. */
function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    return claims && typeof claims === "object" ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const assumeRoleWithWebIdentity: Operation = {
  signed: false,
  run({ params, state }) {
    const c = new Constraints(params);
    const arn = roleArn(c);
    const session = sessionName(c);
    const token = c.string("WebIdentityToken", { required: true, min: 4, max: 20000 });
    const providerId = c.string("ProviderId", { min: 4, max: 2048 });
    const requested = c.integer("DurationSeconds", 900, 43200);
    const sessionPolicy = policy(c);
    c.check();
    const role = state.roles.get(arn!);
    if (!role || (role.webIdentityTokens !== undefined && !role.webIdentityTokens.includes(token!))) {
      fail("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403);
    }
    const claims = jwtClaims(token!);
    const now = state.now();
    if (typeof claims?.exp === "number" && claims.exp * 1000 <= now.getTime()) {
      fail(
        "ExpiredTokenException",
        `Token expired: current date/time ${Math.floor(now.getTime() / 1000)} must be before the expiration date/time ${claims.exp}`,
        400,
      );
    }
    // The OIDC provider's client id list (IAM): a token issued for another audience is not a valid token.
    if (role.webIdentityAudiences !== undefined) {
      const auds = Array.isArray(claims?.aud) ? claims.aud.map(String) : typeof claims?.aud === "string" ? [claims.aud] : [];
      if (!auds.some((a) => role.webIdentityAudiences!.includes(a))) fail("InvalidIdentityToken", "Incorrect token audience", 400);
    }
    const duration = requested ?? 3600;
    if (duration > role.maxSessionDuration) {
      fail("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400);
    }
    checkPolicyJson(sessionPolicy);
    const packed = packedPolicySize(params);
    const identity = state.assumedRoleIdentity(role, session!);
    const cred = state.issueTemporary({
      identity,
      source: "web-identity",
      durationSeconds: duration,
      chained: false,
      mfaAuthenticated: false,
    });
    // Without JWT claims, derive stable stand-ins so repeated calls with one token report one subject.
    const subject =
      typeof claims?.sub === "string" ? claims.sub : `subject-${createHash("sha256").update(token!).digest("hex").slice(0, 16)}`;
    const audience = Array.isArray(claims?.aud) ? String(claims.aud[0]) : typeof claims?.aud === "string" ? claims.aud : "sts.amazonaws.com";
    const provider = providerId ?? (typeof claims?.iss === "string" ? claims.iss.replace(/^https:\/\//, "") : "emulator.local");
    return (
      leaf("SubjectFromWebIdentityToken", subject) +
      leaf("Audience", audience) +
      assumedRoleUserXml(identity) +
      credentialsXml(cred) +
      leaf("Provider", provider) +
      leaf("PackedPolicySize", packed)
    );
  },
};

/** The parts of a SAML assertion STS reads (AssumeRoleWithSAML), from its XML text; signatures are not checked. */
function samlFacts(xml: string) {
  const text = (re: RegExp) => re.exec(xml)?.[1]?.trim();
  const roles: string[] = [];
  const roleAttr = /<(?:\w+:)?Attribute\b[^>]*Name="https:\/\/aws\.amazon\.com\/SAML\/Attributes\/Role"[^>]*>([\s\S]*?)<\/(?:\w+:)?Attribute>/.exec(xml)?.[1] ?? "";
  for (const m of roleAttr.matchAll(/<(?:\w+:)?AttributeValue\b[^>]*>([^<]*)<\/(?:\w+:)?AttributeValue>/g)) roles.push(m[1]!.trim());
  return {
    issuer: text(/<(?:\w+:)?Issuer\b[^>]*>([^<]*)<\//),
    nameId: text(/<(?:\w+:)?NameID\b[^>]*>([^<]*)<\//),
    nameIdFormat: /<(?:\w+:)?NameID\b[^>]*Format="([^"]*)"/.exec(xml)?.[1],
    recipient: /<(?:\w+:)?SubjectConfirmationData\b[^>]*Recipient="([^"]*)"/.exec(xml)?.[1],
    notOnOrAfter: /<(?:\w+:)?SubjectConfirmationData\b[^>]*NotOnOrAfter="([^"]*)"/.exec(xml)?.[1] ?? /<(?:\w+:)?Conditions\b[^>]*NotOnOrAfter="([^"]*)"/.exec(xml)?.[1],
    roles,
  };
}

const assumeRoleWithSaml: Operation = {
  signed: false,
  run({ params, state }) {
    const c = new Constraints(params);
    const arn = roleArn(c);
    const principal = c.string("PrincipalArn", { required: true, min: 20, max: 2048 });
    const assertion = c.string("SAMLAssertion", { required: true, min: 4, max: 100000 });
    const requested = c.integer("DurationSeconds", 900, 43200);
    const sessionPolicy = policy(c);
    c.check();
    const xml = Buffer.from(assertion!, "base64").toString("utf8");
    if (!xml.includes("<") || !/Response|Assertion/.test(xml)) fail("InvalidIdentityToken", "Invalid base64 SAMLResponse (no XML)", 400);
    const role = state.roles.get(arn!);
    if (!role || (role.saml !== undefined && role.saml.principalArn !== principal)) {
      fail("InvalidIdentityToken", "Specified provider doesn't exist", 400);
    }
    if (role.saml !== undefined && !role.saml.assertions.includes(assertion!)) {
      fail("InvalidIdentityToken", "Response signature invalid", 400);
    }
    const facts = samlFacts(xml);
    const now = state.now();
    if (facts.notOnOrAfter && Date.parse(facts.notOnOrAfter) <= now.getTime()) {
      fail("ExpiredTokenException", `Token expired: current date/time ${Math.floor(now.getTime() / 1000)} must be before the expiration date/time ${Math.floor(Date.parse(facts.notOnOrAfter) / 1000)}`, 400);
    }
    // The Role attribute lists "roleArn,principalArn" pairs (either order) the IdP lets this person assume.
    const pairs = facts.roles.map((v) => v.split(",").map((x) => x.trim()));
    if (!pairs.some((p) => p.includes(arn!) && p.includes(principal!))) {
      fail("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML", 403);
    }
    const duration = requested ?? 3600;
    if (duration > role.maxSessionDuration) {
      fail("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400);
    }
    checkPolicyJson(sessionPolicy);
    const packed = packedPolicySize(params);
    const session = (facts.nameId ?? "saml-user").replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
    const identity = state.assumedRoleIdentity(role, session.length >= 2 ? session : "saml-user");
    const cred = state.issueTemporary({ identity, source: "saml", durationSeconds: duration, chained: false, mfaAuthenticated: false });
    const provider = principal!.split("/").pop() ?? "";
    const nameQualifier = createHash("sha1").update(`${facts.issuer ?? ""}${role.account}${provider}`).digest("base64");
    return (
      credentialsXml(cred) +
      assumedRoleUserXml(identity) +
      leaf("PackedPolicySize", packed) +
      leaf("Subject", facts.nameId) +
      leaf("SubjectType", facts.nameIdFormat?.split(":").pop()) +
      leaf("Issuer", facts.issuer) +
      leaf("Audience", facts.recipient ?? "https://signin.aws.amazon.com/saml") +
      leaf("NameQualifier", nameQualifier)
    );
  },
};

const getFederationToken: Operation = {
  signed: true,
  run({ params, caller, state }) {
    const c = new Constraints(params);
    const name = c.string("Name", { required: true, min: 2, max: 32, pattern: NAME_PATTERN, patternText: "[\\w+=,.@-]*" });
    const duration = c.integer("DurationSeconds", 900, 129600) ?? 43200;
    const sessionPolicy = policy(c);
    c.check();
    const who = requireCaller(caller);
    if (who.kind !== "long-term") fail("AccessDenied", "Cannot call GetFederationToken with session credentials", 403);
    checkPolicyJson(sessionPolicy);
    const packed = packedPolicySize(params);
    const identity = state.federatedIdentity(who.identity.account, name!);
    const cred = state.issueTemporary({
      identity,
      source: "federation",
      durationSeconds: duration,
      chained: false,
      mfaAuthenticated: false,
      issuedBy: who.accessKeyId,
    });
    return (
      credentialsXml(cred) +
      node("FederatedUser", leaf("Arn", identity.arn), leaf("FederatedUserId", identity.userId)) +
      leaf("PackedPolicySize", packed)
    );
  },
};

export const operations: Readonly<Record<string, Operation>> = {
  AssumeRole: assumeRole,
  AssumeRoleWithSAML: assumeRoleWithSaml,
  AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity,
  GetCallerIdentity: getCallerIdentity,
  GetFederationToken: getFederationToken,
  GetSessionToken: getSessionToken,
};

/** The error AWS answers for an Action it does not know. */
export function unknownAction(action: string, version: string): AwsError {
  return awsError("InvalidAction", `Could not find operation ${action} for version ${version}`, 400);
}
