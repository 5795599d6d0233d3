// saml: a command prints the base64 SAMLResponse of an IdP sesame does not drive itself → STS
// AssumeRoleWithSAML, unsigned. The command runs on every renewal with the controlling terminal (an IdP
// login may ask for a password or a second factor); the assertion is never stored, logged or put in argv.
import type { Catalog, SamlSession } from "../catalog/types.ts";
import { AwsRefused, EXIT, SesameError } from "../errors.ts";
import { log } from "../log.ts";
import { stsCallRegion } from "../catalog/catalog.ts";
import { runCommand } from "./run-command.ts";
import { withFix } from "./web-identity.ts";
import type { Credentials, Deps, Provider } from "./types.ts";

export function saml(s: SamlSession, cat: Catalog, d: Deps): Provider {
  return async (): Promise<Credentials> => {
    const assertion = (await runCommand(s.saml_assertion_command, { key: "saml_assertion_command", session: s.name, env: d.env, terminal: true })).replace(/\s+/g, "");
    if (!assertion || !/^[A-Za-z0-9+/]+={0,2}$/.test(assertion)) {
      throw new SesameError("saml.assertion", `saml_assertion_command of session "${s.name}" printed no base64 SAMLResponse`, EXIT.needsLogin, "run it yourself: it must print only the base64 SAMLResponse the IdP posts to AWS");
    }
    log("SAML assertion from command", { hop: s.name, bytes: assertion.length });
    const p = { roleArn: s.role_arn, principalArn: s.principal_arn, samlAssertion: assertion, ...(s.duration_seconds ? { durationSeconds: s.duration_seconds } : {}) };
    try {
      return await (await d.sts()).assumeRoleWithSaml(stsCallRegion(s, cat), p, s.name);
    } catch (e) {
      throw withFix(e, fixFor(s, e));
    }
  };
}

function fixFor(s: SamlSession, e: unknown): string | undefined {
  if (!(e instanceof AwsRefused)) return undefined;
  switch (e.awsCode.replace(/Exception$/, "")) {
    case "ExpiredToken":
      return "the SAML assertion has expired (IdPs make them valid for minutes): saml_assertion_command must print a fresh one on every run";
    case "InvalidIdentityToken":
      return `AWS did not accept the assertion for ${s.principal_arn}: check principal_arn, and that the IdP's metadata in that IAM SAML provider is current`;
    case "IDPRejectedClaim":
    case "AccessDenied":
      return `the assertion does not let you assume ${s.role_arn}: its https://aws.amazon.com/SAML/Attributes/Role attribute must list "${s.role_arn},${s.principal_arn}", and the role must trust the provider`;
    case "ValidationError":
      return "check duration_seconds: at most the role's maximum session duration (and the assertion's SessionDuration)";
  }
  return undefined;
}
