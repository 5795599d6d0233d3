// Raw TOML tables → a typed Catalog. Every refusal names file:line:col and what to change.
import { fixFor } from "./suggest.ts";
import { CatalogError } from "../errors.ts";
import type { ParsedToml, Pos } from "./parse.ts";
import type { AssumeRoleSession, AwsLoginSession, Catalog, Defaults, IamUserSession, RolesAnywhereSession, SamlSession, Session, SsoSession, SsoSessionDef, WebIdentitySession } from "./types.ts";

const TYPES = ["iam-user", "assume-role", "sso", "web-identity", "saml", "roles-anywhere", "aws-login"] as const;
const COMMON = ["type", "region"];
const KEYS: Record<(typeof TYPES)[number], string[]> = {
  "iam-user": [...COMMON, "mfa_serial", "mfa_process", "duration_seconds"],
  "assume-role": [...COMMON, "source", "role_arn", "external_id", "role_session_name", "duration_seconds", "mfa_serial", "mfa_process"],
  sso: [...COMMON, "sso_session", "sso_account_id", "sso_role_name"],
  "web-identity": [...COMMON, "role_arn", "web_identity_token_file", "web_identity_token_command", "audience", "role_session_name", "duration_seconds"],
  saml: [...COMMON, "role_arn", "principal_arn", "saml_assertion_command", "duration_seconds"],
  "aws-login": [...COMMON, "login_session", "share_with_aws_cli"],
  "roles-anywhere": [...COMMON, "certificate", "certificate_chain", "private_key", "trust_anchor_arn", "profile_arn", "role_arn", "role_session_name", "duration_seconds"],
};
/** arn:aws:rolesanywhere:REGION:ACCOUNT:trust-anchor/ID and …:profile/ID */
const RA_ARN_RE = /^arn:aws(?:-[a-z]+)*:rolesanywhere:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):\d{12}:(trust-anchor|profile)\/[0-9a-f-]{1,64}$/;
const DEFAULT_KEYS = ["region", "refresh_margin", "renew_floor"];
const SSO_SESSION_KEYS = ["sso_start_url", "sso_region", "sso_registration_scopes", "auto_login", "share_with_aws_cli"];

export const ROLE_ARN_RE = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;
/** A console identity `aws login` signs in as: an IAM user, an assumed role (federation, SSO) or the root user. */
export const LOGIN_SESSION_RE = /^arn:aws(?:-[a-z]+)*:(?:iam::\d{12}:(?:user\/[\w+=,.@\/-]{1,512}|root)|sts::\d{12}:assumed-role\/[\w+=,.@-]{1,64}\/[\w+=,.@-]{1,64})$/;
const SAML_PROVIDER_RE = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:saml-provider\/[\w.-]{1,128}$/;
const MFA_ARN_RE = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:mfa\/[\w+=,.@\/-]+$/;
const MFA_SERIAL_RE = /^[\w+=\/:,.@-]{9,256}$/;
/** What an AWS region name looks like (catalog regions, `sso sync --region`). */
export const REGION_RE = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const ACCOUNT_RE = /^\d{12}$/;
/** The characters STS takes in a role session name and a federated user's name: letters, digits, _+=,.@- */
export const NOT_STS_NAME_CHAR = /[^\w+=,.@-]/g;
/** A role session name STS accepts. */
export const SESSION_NAME_RE = /^[\w+=,.@-]{2,64}$/;
/** What a session or sso-session may be named (also what `import` and `sso sync` generate). */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.+@=-]{0,63}$/;
/** STS allows 1 hour for a role assumed with temporary credentials, which every sesame source hands out. */
export const CHAINED_ROLE_CAP = 3600;
/** `[defaults] refresh_margin` when the catalog sets none (also what `import` assumes for a new catalog). */
export const DEFAULT_MARGIN = 15 * 60;
/** `[defaults] renew_floor` when the catalog sets none: below it a renewal is waited for, above it (inside the margin) it runs in the background. */
export const DEFAULT_RENEW_FLOOR = 5 * 60;
/**
 * How long a session's credentials last when the catalog sets no duration_seconds: GetSessionToken gives an
 * IAM user 12 hours; AssumeRole and AssumeRoleWithWebIdentity 1 hour; an SSO role lasts as long as its
 * permission set says, which sesame cannot know in advance and which is never less than 1 hour; IAM Roles
 * Anywhere's CreateSession 1 hour.
 */
export const DEFAULT_LIFETIME: Record<Session["type"], number> = { "iam-user": 43200, "assume-role": 3600, sso: 3600, "web-identity": 3600, saml: 3600, "roles-anywhere": 3600, "aws-login": 900 };

type Table = Record<string, unknown>;

export function validateCatalog(p: ParsedToml): Catalog {
  const v = new Validator(p);
  return v.run();
}

class Validator {
  constructor(private readonly p: ParsedToml) {}

  fail(path: string, what: string, fix?: string, at: "key" | "value" = "value"): never {
    throw new CatalogError(this.p.file, this.pos(path, at), what, fix);
  }

  /** Position of a key or its value, falling back to the nearest enclosing table. */
  pos(path: string, at: "key" | "value"): Pos | undefined {
    const parts = path.split(".");
    const exact = at === "value" ? this.p.values.get(path) ?? this.p.keys.get(path) : this.p.keys.get(path);
    if (exact) return exact;
    // A table only written as [a.b] has no line of its own: use its first sub-table.
    let first: Pos | undefined;
    for (const [k, v] of this.p.keys) if (k.startsWith(path + ".") && (!first || v.line < first.line)) first = v;
    if (first) return first;
    for (let n = parts.length - 1; n > 0; n--) {
      const hit = this.p.keys.get(parts.slice(0, n).join("."));
      if (hit) return hit;
    }
    return undefined;
  }

  run(): Catalog {
    const d = this.p.data;
    for (const k of Object.keys(d)) {
      if (!["defaults", "sso-session", "session"].includes(k)) {
        this.fail(k, `unknown table [${k}]`, fixFor(k, ["defaults", "sso-session", "session"], "use [defaults], [sso-session.NAME] or [session.NAME]"), "key");
      }
    }
    const defaults = this.defaults(this.table(d, "defaults"));
    const ssoSessions = new Map<string, SsoSessionDef>();
    for (const [name, raw] of Object.entries(this.table(d, "sso-session") ?? {})) {
      ssoSessions.set(name, this.ssoSession(name, this.asTable(raw, `sso-session.${name}`)));
    }
    const sessions = new Map<string, Session>();
    for (const [name, raw] of Object.entries(this.table(d, "session") ?? {})) {
      sessions.set(name, this.session(name, this.asTable(raw, `session.${name}`), defaults));
    }
    const cat: Catalog = { file: this.p.file, defaults, ssoSessions, sessions };
    this.links(cat);
    this.marginFits(cat);
    return cat;
  }

  table(d: Table, key: string): Table | undefined {
    if (d[key] === undefined) return undefined;
    return this.asTable(d[key], key);
  }

  asTable(v: unknown, path: string): Table {
    if (v === null || typeof v !== "object" || Array.isArray(v) || v instanceof Date) {
      this.fail(path, `${path} must be a table`, `write it as [${path}] followed by key = value lines`, "key");
    }
    return v as Table;
  }

  unknownKeys(t: Table, base: string, allowed: string[], kind: string): void {
    for (const k of Object.keys(t)) {
      if (!allowed.includes(k)) {
        this.fail(`${base}.${k}`, `unknown key "${k}" for ${kind}`, fixFor(k, allowed, `allowed keys: ${allowed.join(", ")}`), "key");
      }
    }
  }

  str(t: Table, base: string, key: string, required: true): string;
  str(t: Table, base: string, key: string, required?: false): string | undefined;
  str(t: Table, base: string, key: string, required = false): string | undefined {
    const v = t[key];
    if (v === undefined) {
      if (required) this.fail(base, `[${base}] needs ${key}`, `add ${key} = "…" to [${base}]`, "key");
      return undefined;
    }
    if (typeof v !== "string") this.fail(`${base}.${key}`, `${key} must be a string, not ${describe(v)}`, `quote it: ${key} = "…"`);
    if (v.trim() === "") this.fail(`${base}.${key}`, `${key} is empty`, `give ${key} a value or remove the line`);
    return v;
  }

  int(t: Table, base: string, key: string, min: number, max: number, why: string): number | undefined {
    const v = t[key];
    if (v === undefined) return undefined;
    if (typeof v !== "number" && typeof v !== "bigint") this.fail(`${base}.${key}`, `${key} must be a whole number of seconds, not ${describe(v)}`, `write e.g. ${key} = 3600`);
    const n = Number(v);
    if (!Number.isInteger(n)) this.fail(`${base}.${key}`, `${key} must be a whole number of seconds`, `write e.g. ${key} = 3600`);
    if (n < min || n > max) this.fail(`${base}.${key}`, `${key} = ${n} is outside ${why} (${min}–${max})`, `use a value from ${min} to ${max}`);
    return n;
  }

  region(t: Table, base: string): string | undefined {
    const r = this.str(t, base, "region");
    if (r !== undefined && !REGION_RE.test(r)) this.fail(`${base}.region`, `region "${r}" is not an AWS region name`, `use a name such as "eu-west-1"`);
    return r;
  }

  /** A `[defaults]` duration ("15m", "90s", or whole seconds), 0 to 12 h; undefined when not set. */
  duration(t: Table, key: string, example: string): number | undefined {
    const v = t[key];
    if (v === undefined) return undefined;
    const secs = typeof v === "string" ? parseDuration(v) : typeof v === "number" && Number.isInteger(v) ? v : undefined;
    if (secs === undefined) this.fail(`defaults.${key}`, `${key} ${JSON.stringify(v)} is not a duration`, `write e.g. ${key} = "${example}" (units s, m, h)`);
    if (secs < 0 || secs > 12 * 3600) this.fail(`defaults.${key}`, `${key} must be between 0 and 12h`, `write e.g. ${key} = "${example}"`);
    return secs;
  }

  defaults(t: Table | undefined): Defaults {
    if (!t) return { refreshMargin: DEFAULT_MARGIN, renewFloor: DEFAULT_RENEW_FLOOR };
    this.unknownKeys(t, "defaults", DEFAULT_KEYS, "[defaults]");
    const region = this.region(t, "defaults");
    const refreshMargin = this.duration(t, "refresh_margin", "15m") ?? DEFAULT_MARGIN;
    const renewFloor = this.duration(t, "renew_floor", "5m") ?? DEFAULT_RENEW_FLOOR;
    return region === undefined ? { refreshMargin, renewFloor } : { region, refreshMargin, renewFloor };
  }

  ssoSession(name: string, t: Table): SsoSessionDef {
    const base = `sso-session.${name}`;
    this.checkName(name, base);
    this.unknownKeys(t, base, SSO_SESSION_KEYS, `[${base}]`);
    const url = this.str(t, base, "sso_start_url", true);
    if (!/^https:\/\/[^\s/]+/.test(url)) this.fail(`${base}.sso_start_url`, `sso_start_url must be an https:// URL`, `copy the start URL from your IAM Identity Center settings`);
    const region = this.str(t, base, "sso_region", true);
    if (!REGION_RE.test(region)) this.fail(`${base}.sso_region`, `sso_region "${region}" is not an AWS region name`, `use a name such as "eu-west-1"`);
    let scopes = ["sso:account:access"];
    const rawScopes = t.sso_registration_scopes;
    if (typeof rawScopes === "string") scopes = rawScopes.split(",").map((s) => s.trim()).filter(Boolean);
    else if (Array.isArray(rawScopes) && rawScopes.every((s) => typeof s === "string")) scopes = rawScopes as string[];
    else if (rawScopes !== undefined) this.fail(`${base}.sso_registration_scopes`, `sso_registration_scopes must be a string or a list of strings`, `write sso_registration_scopes = "sso:account:access"`);
    const flag = (key: string): boolean => {
      const v = t[key];
      if (v !== undefined && typeof v !== "boolean") this.fail(`${base}.${key}`, `${key} must be true or false`, `write ${key} = true`);
      return v === true;
    };
    return { name, sso_start_url: url, sso_region: region, sso_registration_scopes: scopes, auto_login: flag("auto_login"), share_with_aws_cli: flag("share_with_aws_cli") };
  }

  checkName(name: string, base: string): void {
    if (!NAME_RE.test(name)) {
      this.fail(base, `name "${name}" cannot be used`, `use letters, digits and _ . + @ = - (at most 64, starting with a letter or digit)`, "key");
    }
  }

  session(name: string, t: Table, defaults: Defaults): Session {
    const base = `session.${name}`;
    this.checkName(name, base);
    const type = t.type;
    if (type === undefined) this.fail(base, `[${base}] has no type`, `add type = "iam-user", "assume-role", "sso", "web-identity", "saml", "roles-anywhere" or "aws-login"`, "key");
    if (typeof type !== "string" || !(TYPES as readonly string[]).includes(type)) {
      // Not String(type): a TOML table has no prototype, and String() of it throws.
      const shown = typeof type === "string" ? JSON.stringify(type) : describe(type);
      this.fail(`${base}.type`, `unknown session type ${shown}`, fixFor(typeof type === "string" ? type : "", [...TYPES], `use one of: ${TYPES.join(", ")}`));
    }
    const ty = type as (typeof TYPES)[number];
    this.unknownKeys(t, base, KEYS[ty], `a session of type "${ty}"`);
    const region = this.region(t, base);
    const common = region === undefined ? { name } : { name, region };
    switch (ty) {
      case "iam-user": {
        const s: IamUserSession = { ...common, type: ty };
        const mfa = this.mfa(t, base);
        if (mfa) s.mfa_serial = mfa;
        const mp = this.mfaProcess(t, base, mfa);
        if (mp) s.mfa_process = mp;
        const d = this.int(t, base, "duration_seconds", 900, 129600, "the range STS GetSessionToken accepts for IAM users");
        if (d !== undefined) s.duration_seconds = this.lifetime(base, d, defaults);
        return s;
      }
      case "assume-role": {
        const s: AssumeRoleSession = { ...common, type: ty, source: this.str(t, base, "source", true), role_arn: this.roleArn(t, base) };
        const ext = this.str(t, base, "external_id");
        if (ext !== undefined) {
          if (!/^[\w+=,.@:\/-]{2,1224}$/.test(ext)) this.fail(`${base}.external_id`, `external_id must be 2–1224 characters from letters, digits and _+=,.@:/-`, `copy the external id the role's owner gave you`);
          s.external_id = ext;
        }
        const rsn = this.sessionName(t, base);
        if (rsn) s.role_session_name = rsn;
        const d = this.int(t, base, "duration_seconds", 900, 43200, "the range STS AssumeRole accepts");
        // Above CHAINED_ROLE_CAP only from an iam-user source (assumed with its key directly): checked in links().
        if (d !== undefined) s.duration_seconds = this.lifetime(base, d, defaults);
        const mfa = this.mfa(t, base);
        if (mfa) s.mfa_serial = mfa;
        const mp = this.mfaProcess(t, base, mfa);
        if (mp) s.mfa_process = mp;
        return s;
      }
      case "sso": {
        const acct = this.str(t, base, "sso_account_id", true);
        if (!ACCOUNT_RE.test(acct)) this.fail(`${base}.sso_account_id`, `sso_account_id "${acct}" is not a 12-digit AWS account id`, `write the account id as a quoted string of 12 digits`);
        const s: SsoSession = { ...common, type: ty, sso_session: this.str(t, base, "sso_session", true), sso_account_id: acct, sso_role_name: this.str(t, base, "sso_role_name", true) };
        return s;
      }
      case "web-identity": {
        const s: WebIdentitySession = { ...common, type: ty, role_arn: this.roleArn(t, base) };
        const file = this.str(t, base, "web_identity_token_file");
        const cmd = this.str(t, base, "web_identity_token_command");
        if (file !== undefined && cmd !== undefined) {
          this.fail(base, `a web-identity session takes one of web_identity_token_file and web_identity_token_command, not both`, `keep one of the two (with neither, the token comes from the GitHub Actions token service)`, "key");
        }
        if (file) s.web_identity_token_file = file;
        if (cmd) s.web_identity_token_command = cmd;
        // Neither: the GitHub Actions OIDC token service, asked for a token with this audience.
        const aud = this.str(t, base, "audience");
        if (aud !== undefined) {
          if (file !== undefined || cmd !== undefined) this.fail(`${base}.audience`, `audience applies only to the GitHub Actions token service (no web_identity_token_file or _command)`, `remove audience: the token file or command decides its own audience`);
          s.audience = aud;
        }
        const rsn = this.sessionName(t, base);
        if (rsn) s.role_session_name = rsn;
        const d = this.int(t, base, "duration_seconds", 900, 43200, "the range STS AssumeRoleWithWebIdentity accepts");
        if (d !== undefined) s.duration_seconds = this.lifetime(base, d, defaults);
        return s;
      }
      case "roles-anywhere": {
        const s: RolesAnywhereSession = {
          ...common, type: ty,
          certificate: this.str(t, base, "certificate", true),
          private_key: this.str(t, base, "private_key", true),
          trust_anchor_arn: this.raArn(t, base, "trust_anchor_arn", "trust-anchor"),
          profile_arn: this.raArn(t, base, "profile_arn", "profile"),
          role_arn: this.roleArn(t, base),
        };
        const chain = this.str(t, base, "certificate_chain");
        if (chain) s.certificate_chain = chain;
        if (RA_ARN_RE.exec(s.trust_anchor_arn)![1] !== RA_ARN_RE.exec(s.profile_arn)![1]) {
          this.fail(`${base}.profile_arn`, `profile_arn and trust_anchor_arn are in different regions`, `use a profile and a trust anchor of the same region`);
        }
        const rsn = this.sessionName(t, base);
        if (rsn) s.role_session_name = rsn;
        const d = this.int(t, base, "duration_seconds", 900, 43200, "the range IAM Roles Anywhere CreateSession accepts");
        if (d !== undefined) s.duration_seconds = this.lifetime(base, d, defaults);
        return s;
      }
      case "aws-login": {
        const s: AwsLoginSession = { ...common, type: ty, share_with_aws_cli: false };
        const ls = this.str(t, base, "login_session");
        if (ls !== undefined) {
          if (!LOGIN_SESSION_RE.test(ls)) this.fail(`${base}.login_session`, `login_session "${ls}" is not the ARN of a console identity`, `write it as arn:aws:iam::123456789012:user/NAME or arn:aws:sts::123456789012:assumed-role/ROLE/NAME (sesame login fills it in)`);
          s.login_session = ls;
        }
        const share = t.share_with_aws_cli;
        if (share !== undefined && typeof share !== "boolean") this.fail(`${base}.share_with_aws_cli`, `share_with_aws_cli must be true or false`, `write share_with_aws_cli = true`);
        s.share_with_aws_cli = share === true;
        return s;
      }
      case "saml": {
        const principal = this.str(t, base, "principal_arn", true);
        if (!SAML_PROVIDER_RE.test(principal)) this.fail(`${base}.principal_arn`, `principal_arn "${principal}" is not an IAM SAML provider ARN`, `write it as arn:aws:iam::123456789012:saml-provider/NAME`);
        const s: SamlSession = { ...common, type: ty, role_arn: this.roleArn(t, base), principal_arn: principal, saml_assertion_command: this.str(t, base, "saml_assertion_command", true) };
        const d = this.int(t, base, "duration_seconds", 900, 43200, "the range STS AssumeRoleWithSAML accepts");
        if (d !== undefined) s.duration_seconds = this.lifetime(base, d, defaults);
        return s;
      }
    }
  }

  raArn(t: Table, base: string, key: string, kind: "trust-anchor" | "profile"): string {
    const arn = this.str(t, base, key, true);
    const m = RA_ARN_RE.exec(arn);
    if (!m || m[2] !== kind) this.fail(`${base}.${key}`, `${key} "${arn}" is not an IAM Roles Anywhere ${kind} ARN`, `write it as arn:aws:rolesanywhere:REGION:123456789012:${kind}/ID`);
    return arn;
  }

  /** A lifetime not longer than the refresh margin would never be served from the cache. */
  lifetime(base: string, d: number, defaults: Defaults): number {
    if (d <= defaults.refreshMargin) {
      this.fail(`${base}.duration_seconds`, `duration_seconds = ${d} is not longer than refresh_margin (${defaults.refreshMargin}s), so cached credentials would never be used`, `raise duration_seconds or lower refresh_margin in [defaults]`);
    }
    return d;
  }

  /**
   * A refresh margin at or above the lifetime a session gets by default (no duration_seconds) would make
   * every call a fetch: its cached credentials are always "about to expire". Refused like a too-short
   * duration_seconds, at the refresh_margin it conflicts with.
   */
  marginFits(cat: Catalog): void {
    const m = cat.defaults.refreshMargin;
    for (const s of cat.sessions.values()) {
      if ("duration_seconds" in s && s.duration_seconds !== undefined) continue;
      if (s.type === "aws-login") continue; // its own margins (hopMargins)
      const life = DEFAULT_LIFETIME[s.type];
      if (m < life) continue;
      const canSet = s.type !== "sso";
      this.fail(
        "defaults.refresh_margin",
        `refresh_margin (${m}s) is not shorter than the ${life / 3600} hour${life === 3600 ? "" : "s"} session "${s.name}" (${s.type}) gets by default, so its cached credentials would never be used`,
        canSet ? `lower refresh_margin below ${life}s, or give [session.${s.name}] a longer duration_seconds` : `lower refresh_margin below ${life}s (an SSO role lasts at least 1 hour)`,
      );
    }
  }

  roleArn(t: Table, base: string): string {
    const arn = this.str(t, base, "role_arn", true);
    if (!ROLE_ARN_RE.test(arn)) {
      const hint = /^arn:aws[^:]*:iam::(\d*):/.exec(arn)?.[1];
      const fix = hint !== undefined && hint.length !== 12 ? `the account id must have 12 digits (it has ${hint.length})` : `write it as arn:aws:iam::123456789012:role/NAME`;
      this.fail(`${base}.role_arn`, `role_arn "${arn}" is not an IAM role ARN`, fix);
    }
    return arn;
  }

  mfa(t: Table, base: string): string | undefined {
    const m = this.str(t, base, "mfa_serial");
    if (m === undefined) return undefined;
    if (m.startsWith("arn:") ? !MFA_ARN_RE.test(m) : !MFA_SERIAL_RE.test(m)) {
      this.fail(`${base}.mfa_serial`, `mfa_serial "${m}" is neither an MFA device ARN nor a hardware serial`, `write it as arn:aws:iam::123456789012:mfa/NAME`);
    }
    return m;
  }

  /** mfa_process gives the code for mfa_serial: without one it has nothing to do. */
  mfaProcess(t: Table, base: string, serial: string | undefined): string | undefined {
    const p = this.str(t, base, "mfa_process");
    if (p !== undefined && serial === undefined) this.fail(`${base}.mfa_process`, `mfa_process without mfa_serial: no MFA code is asked for`, `add mfa_serial = "arn:aws:iam::ACCOUNT:mfa/NAME" or remove mfa_process`);
    return p;
  }

  sessionName(t: Table, base: string): string | undefined {
    const n = this.str(t, base, "role_session_name");
    if (n !== undefined && !SESSION_NAME_RE.test(n)) {
      this.fail(`${base}.role_session_name`, `role_session_name must be 2–64 characters from letters, digits and _+=,.@-`, `remove the other characters`);
    }
    return n;
  }

  links(cat: Catalog): void {
    for (const s of cat.sessions.values()) {
      if (s.type === "assume-role") {
        if (!cat.sessions.has(s.source)) {
          this.fail(`session.${s.name}.source`, `source "${s.source}" is not a session of this catalog`, fixFor(s.source, [...cat.sessions.keys()], `add [session.${s.source}] or point source at an existing session`));
        }
        const src = cat.sessions.get(s.source)!;
        if (s.duration_seconds !== undefined && s.duration_seconds > CHAINED_ROLE_CAP && src.type !== "iam-user") {
          this.fail(`session.${s.name}.duration_seconds`, `duration_seconds = ${s.duration_seconds} is above the 1 hour cap STS puts on chained roles (the source "${s.source}" hands out temporary credentials)`, `use duration_seconds = 3600 or less (only a role whose source is an iam-user can last longer)`);
        }
        const seen = [s.name];
        let cur: Session | undefined = cat.sessions.get(s.source);
        while (cur) {
          if (seen.includes(cur.name)) {
            const cycle = [...seen.slice(seen.indexOf(cur.name)), cur.name].join(" → ");
            this.fail(`session.${s.name}.source`, `the chain of sources loops: ${cycle}`, `make one of these sessions start from an iam-user, sso, web-identity, saml, roles-anywhere or aws-login session`);
          }
          seen.push(cur.name);
          cur = cur.type === "assume-role" ? cat.sessions.get(cur.source) : undefined;
        }
      }
      if (s.type === "sso" && !cat.ssoSessions.has(s.sso_session)) {
        this.fail(`session.${s.name}.sso_session`, `sso_session "${s.sso_session}" has no [sso-session.${s.sso_session}] table`, fixFor(s.sso_session, [...cat.ssoSessions.keys()], `add [sso-session.${s.sso_session}] with sso_start_url and sso_region`));
      }
    }
  }
}

/** "15m", "1h30m", "90s", "2h" → seconds */
export function parseDuration(s: string): number | undefined {
  const m = /^\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*$/.exec(s);
  if (!m || (!m[1] && !m[2] && !m[3])) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v instanceof Date) return "a date";
  if (typeof v === "object" && v !== null) return "a table";
  if (typeof v === "string") return "a string";
  if (typeof v === "number" || typeof v === "bigint") return "a number";
  return `a ${typeof v}`;
}
