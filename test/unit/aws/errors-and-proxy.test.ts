// Pure logic of the network layer: which proxy a URL goes through, and the fix each AWS refusal gets.
import { describe, expect, test } from "bun:test";
import { toSesameError } from "../../../src/aws/errors.ts";
import { proxyFor, proxyLabel } from "../../../src/aws/http.ts";

const sdkError = (name: string, status: number, message = "m") => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, $fault: status >= 500 ? "server" : "client" });

describe("proxyFor", () => {
  const sts = "https://sts.eu-west-1.amazonaws.com/";
  test("by scheme, lowercase first, a bare host:port taken as http://", () => {
    expect(proxyFor(sts, { HTTPS_PROXY: "http://p:3128" })).toBe("http://p:3128");
    expect(proxyFor(sts, { https_proxy: "http://low:1", HTTPS_PROXY: "http://up:2" })).toBe("http://low:1");
    expect(proxyFor(sts, { HTTP_PROXY: "http://p:3128" })).toBeUndefined();
    expect(proxyFor("http://127.0.0.1:8080/", { HTTP_PROXY: "p:3128" })).toBe("http://p:3128");
  });
  test("NO_PROXY: exact hosts, domain suffixes (with or without a leading dot or *), ports, *", () => {
    const p = { HTTPS_PROXY: "http://p:1" };
    for (const no of ["sts.eu-west-1.amazonaws.com", "amazonaws.com", ".amazonaws.com", "*.amazonaws.com", "*", "x, amazonaws.com ", "amazonaws.com:443"]) {
      expect(proxyFor(sts, { ...p, NO_PROXY: no })).toBeUndefined();
    }
    for (const no of ["example.com", "zonaws.com", "amazonaws.com:8443", ""]) expect(proxyFor(sts, { ...p, no_proxy: no })).toBe("http://p:1");
    expect(proxyFor("http://[::1]:9/", { HTTP_PROXY: "http://p:1", NO_PROXY: "::1" })).toBeUndefined();
  });
  test("a proxy is named without its user name or password", () => {
    expect(proxyLabel("http://me:secret@proxy.corp:3128")).toBe("http://proxy.corp:3128");
  });
});

describe("refusal fixes name the real thing", () => {
  test("AccessDenied on GetSessionToken with an MFA code blames the code, not a trust policy", () => {
    const e = toSesameError(sdkError("AccessDenied", 403), "STS", "GetSessionToken", undefined, { signer: "alice", longLived: true, mfa: true });
    expect(e.toLine()).toContain("MFA code");
    expect(e.toLine()).not.toContain("trust policy");
  });
  test("AccessDenied on AssumeRole names the trust policy and the signing session", () => {
    expect(toSesameError(sdkError("AccessDenied", 403), "STS", "AssumeRole", undefined, { signer: "dev" }).toLine()).toContain(`trust policy (does it trust the credentials of dev?)`);
  });
  test("key errors name the session, never NAME", () => {
    for (const code of ["InvalidClientTokenId", "SignatureDoesNotMatch"]) {
      const line = toSesameError(sdkError(code, 403), "STS", "GetSessionToken", undefined, { signer: "carol-work", longLived: true }).toLine();
      expect(line).toContain("sesame secret set carol-work");
      expect(line).not.toContain("NAME");
    }
  });
  test("InternalFailure and any 5xx have a fix", () => {
    expect(toSesameError(sdkError("InternalFailure", 500), "STS", "AssumeRole").toLine()).toContain("try again in a minute");
    expect(toSesameError(sdkError("SomethingNew", 503), "SSO", "GetRoleCredentials").toLine()).toContain("try again in a minute");
  });
  test("network failures through a proxy name it", () => {
    const e = Object.assign(new Error("Proxy refused to open a tunnel"), { name: "NetworkError", code: "ProxyTunnel", sesameNetwork: true, proxy: "http://p:1", $metadata: {} });
    expect(toSesameError(e, "STS", "AssumeRole", "https://sts.amazonaws.com").toLine()).toContain("cannot reach STS at https://sts.amazonaws.com through the proxy http://p:1 (Proxy refused to open a tunnel)");
  });
});
