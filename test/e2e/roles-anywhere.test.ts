// type = "roles-anywhere" through the binary: certificates and keys made here with the openssl CLI (RSA and
// P-256, PKCS#1/PKCS#8/SEC1, an intermediate CA, an expired one, one from an untrusted CA), CreateSession
// verified by the emulator (test/emulator/rolesanywhere.ts) with the certificate's public key and the trust
// anchor's CA, the result cached like any hop and usable as the source of a chained role.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseProcessOutput, world, type World } from "./harness.ts";
import { rolesAnywhereHandler, type RolesAnywhereConfig } from "../emulator/rolesanywhere.ts";

const ANCHOR = "arn:aws:rolesanywhere:eu-west-1:444444444444:trust-anchor/0d3a5c1e-1111-4222-8333-944444444444";
const OTHER_ANCHOR = "arn:aws:rolesanywhere:eu-west-1:444444444444:trust-anchor/0d3a5c1e-1111-4222-8333-955555555555";
const PROFILE = "arn:aws:rolesanywhere:eu-west-1:444444444444:profile/7b2e9f00-aaaa-4bbb-8ccc-dddddddddddd";
const WORKLOAD_ROLE = "arn:aws:iam::444444444444:role/Workload";
const CHAINED_ROLE = "arn:aws:iam::555555555555:role/Deploy";

let w: World;
let dir: string;
const ra: RolesAnywhereConfig = { trustAnchors: new Map(), profiles: new Map() };
const f = (name: string) => join(dir, name);
const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });

function makeMaterial(): void {
  const caExt = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"];
  ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "3", "-subj", "/CN=sesame test CA", ...caExt);
  ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue.key", "-out", "rogue.pem", "-days", "3", "-subj", "/CN=rogue CA", ...caExt);
  writeFileSync(f("leaf.ext"), "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n");
  writeFileSync(f("ica.ext"), "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n");
  const issue = (csr: string, out: string, ca: string, serial: string, ext = "leaf.ext") =>
    ssl("x509", "-req", "-in", csr, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-set_serial", serial, "-days", "2", "-sha256", "-extfile", ext, "-out", out);
  // RSA leaf with a long serial (the credential is its decimal form), key also as PKCS#1
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa.key", "-out", "rsa.csr", "-subj", "/CN=rsa-workload");
  issue("rsa.csr", "rsa.pem", "ca", "0x1f2e3d4c5b6a79880123456789abcdef");
  ssl("rsa", "-in", "rsa.key", "-traditional", "-out", "rsa-pkcs1.key");
  // P-256 leaf, key as PKCS#8 (req's default) and as SEC1
  ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ec.key", "-out", "ec.csr", "-subj", "/CN=ec-workload");
  issue("ec.csr", "ec.pem", "ca", "4242");
  ssl("ec", "-in", "ec.key", "-out", "ec-sec1.key");
  // CA → intermediate → leaf, the intermediate in certificate_chain
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "ica.key", "-out", "ica.csr", "-subj", "/CN=sesame intermediate");
  issue("ica.csr", "ica.pem", "ca", "77", "ica.ext");
  ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "via.key", "-out", "via.csr", "-subj", "/CN=via-intermediate");
  issue("via.csr", "via.pem", "ica", "78");
  // a leaf from a CA no trust anchor holds
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue-leaf.key", "-out", "rogue-leaf.csr", "-subj", "/CN=intruder");
  issue("rogue-leaf.csr", "rogue-leaf.pem", "rogue", "99");
  // an expired leaf: `openssl ca` is the 3.0 CLI that takes explicit dates
  writeFileSync(f("index.txt"), "");
  writeFileSync(f("ca.cnf"), `[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial.txt\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n`);
  writeFileSync(f("serial.txt"), "0100\n");
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "old.key", "-out", "old.csr", "-subj", "/CN=old-workload");
  ssl("ca", "-config", "ca.cnf", "-batch", "-notext", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", "old.csr", "-out", "old.pem", "-startdate", "20240101000000Z", "-enddate", "20240102000000Z");
  // an encrypted key
  ssl("pkey", "-in", "rsa.key", "-aes-256-cbc", "-passout", "pass:sesame", "-out", "rsa-enc.key");
}

function session(name: string, cert: string, key: string, extra = ""): string {
  return `
[session.${name}]
type = "roles-anywhere"
certificate = "${f(cert)}"
private_key = "${f(key)}"
trust_anchor_arn = "${ANCHOR}"
profile_arn = "${PROFILE}"
role_arn = "${WORKLOAD_ROLE}"
${extra}`;
}

beforeAll(async () => {
  w = await world("");
  dir = mkdtempSync(join(w.home, "pki-"));
  makeMaterial();
  w.emu.addRole({ arn: WORKLOAD_ROLE, trust: "*" });
  w.emu.addRole({ arn: CHAINED_ROLE, trust: [WORKLOAD_ROLE] });
  ra.trustAnchors.set(ANCHOR, require("node:fs").readFileSync(f("ca.pem"), "utf8"));
  ra.trustAnchors.set(OTHER_ANCHOR, require("node:fs").readFileSync(f("rogue.pem"), "utf8"));
  ra.profiles.set(PROFILE, { roleArns: [WORKLOAD_ROLE] });
  w.emu.registerRoute("POST", "/sessions", rolesAnywhereHandler(ra));
  w.env.AWS_ENDPOINT_URL_ROLESANYWHERE = w.emu.url;
  w.writeCatalog(`
[defaults]
region = "eu-west-1"
${session("ra-rsa", "rsa.pem", "rsa.key")}
${session("ra-rsa-pkcs1", "rsa.pem", "rsa-pkcs1.key")}
${session("ra-ec", "ec.pem", "ec.key", "duration_seconds = 7200")}
${session("ra-ec-sec1", "ec.pem", "ec-sec1.key")}
${session("ra-via", "via.pem", "via.key", `certificate_chain = "${f("ica.pem")}"`)}
${session("ra-rogue", "rogue-leaf.pem", "rogue-leaf.key")}
${session("ra-old", "old.pem", "old.key")}
${session("ra-mismatch", "rsa.pem", "ec.key")}
${session("ra-enc", "rsa.pem", "rsa-enc.key")}
${session("ra-named", "ec.pem", "ec.key", `role_session_name = "build-42"`)}

[session.deploy]
type = "assume-role"
source = "ra-ec"
role_arn = "${CHAINED_ROLE}"
`);
});
afterAll(() => w.stop());

const creates = () => w.emu.callsFor("CreateSession", "rolesanywhere");
const oneLine = (stderr: string) => expect(stderr).toMatch(/^sesame: [^\n]+\n$/);

describe("roles-anywhere sessions", () => {
  test("RSA (PKCS#8 and PKCS#1 keys) and P-256 (PKCS#8 and SEC1 keys) certificates get role credentials; the signature is checked by the emulator", async () => {
    for (const name of ["ra-rsa", "ra-rsa-pkcs1", "ra-ec", "ra-ec-sec1", "ra-via"]) {
      const r = await w.run(["credential-process", name]);
      expect([name, r.stderr, r.code]).toEqual([name, "", 0]);
      const c = parseProcessOutput(r.stdout);
      const issued = w.emu.state.temporaryCredentials.get(c.AccessKeyId)!;
      expect(issued.identity.arn).toStartWith("arn:aws:sts::444444444444:assumed-role/Workload/");
      expect(issued.secretAccessKey).toBe(c.SecretAccessKey);
    }
    const ok = creates().filter((c) => c.status === 201);
    expect(ok.length).toBe(5);
    // the credential is the serial number in decimal
    expect(ok[0]!.accessKeyId).toBe(BigInt("0x1f2e3d4c5b6a79880123456789abcdef").toString(10));
    expect(ok[2]!.accessKeyId).toBe("4242");
  });

  test("a cached hop: the next call makes no CreateSession, and duration_seconds is asked for", async () => {
    const before = creates().length;
    const r = await w.run(["credential-process", "ra-ec"]);
    expect(r.code).toBe(0);
    expect(creates().length).toBe(before);
    const exp = new Date(parseProcessOutput(r.stdout).Expiration).getTime();
    expect(Math.round((exp - w.emu.now().getTime()) / 60_000)).toBeGreaterThan(110); // 7200 s asked
  });

  test("a role chained from it", async () => {
    const r = await w.run(["credential-process", "deploy"]);
    expect(r.stderr).toBe("");
    const c = parseProcessOutput(r.stdout);
    expect(w.emu.state.temporaryCredentials.get(c.AccessKeyId)!.identity.arn).toStartWith("arn:aws:sts::555555555555:assumed-role/Deploy/");
  });

  test("role_session_name is sent only when set, and refused by a profile that does not accept it", async () => {
    const r = await w.run(["credential-process", "ra-named"]);
    expect(r.code).toBe(5);
    oneLine(r.stderr);
    expect(r.stderr).toContain("ValidationException");
    ra.profiles.set(PROFILE, { roleArns: [WORKLOAD_ROLE], acceptRoleSessionName: true });
    const ok = await w.run(["credential-process", "ra-named"]);
    expect(ok.stderr).toBe("");
    expect(w.emu.state.temporaryCredentials.get(parseProcessOutput(ok.stdout).AccessKeyId)!.identity.arn).toEndWith("/Workload/build-42");
  });

  test("list shows the type, account and role", async () => {
    const r = await w.run(["list", "--json"]);
    const rows = JSON.parse(r.stdout) as Array<{ name: string; type: string; account: string; role: string; state: string }>;
    expect(rows.find((x) => x.name === "ra-ec")).toMatchObject({ type: "roles-anywhere", account: "444444444444", role: "Workload", state: "cached" });
  });

  test("errors are one line: untrusted anchor (exit 5), expired certificate, key/cert mismatch, encrypted key (exit 4)", async () => {
    const rogue = await w.run(["credential-process", "ra-rogue"]);
    expect(rogue.code).toBe(5);
    oneLine(rogue.stderr);
    expect(rogue.stderr).toContain("AccessDeniedException");
    expect(rogue.stderr).toContain("Untrusted signing certificate");
    for (const [name, words] of [["ra-old", "expired on 2024-01-02"], ["ra-mismatch", "does not belong to the certificate"], ["ra-enc", "is encrypted and no passphrase is stored for it — store it in the keyring: sesame secret set ra-enc"]] as const) {
      const before = creates().length;
      const r = await w.run(["credential-process", name]);
      expect([name, r.code, r.stdout]).toEqual([name, 4, ""]);
      oneLine(r.stderr);
      expect(r.stderr).toContain(words);
      expect(r.stderr).not.toContain("PRIVATE KEY");
      expect(creates().length).toBe(before); // refused before anything was sent
    }
  });

  test("an encrypted key: its passphrase from the keyring (sesame secret set), a wrong one refused in one line", async () => {
    const wrong = await w.run(["secret", "set", "ra-enc"], { stdin: "not-it\n" });
    expect([wrong.code, wrong.stderr]).toEqual([0, 'sesame: stored the key passphrase for "ra-enc" in the ' + (w.env.SESAME_KEYRING === "file" ? "file keyring" : "OS keyring") + "\n"]);
    const refused = await w.run(["credential-process", "ra-enc"]);
    expect(refused.code).toBe(4);
    oneLine(refused.stderr);
    expect(refused.stderr).toContain("the stored passphrase does not decrypt");
    expect(refused.stderr).not.toContain("not-it");
    await w.run(["secret", "set", "ra-enc"], { stdin: "sesame\n" });
    const ok = await w.run(["credential-process", "ra-enc"]);
    expect(ok.stderr).toBe("");
    expect(w.emu.state.temporaryCredentials.get(parseProcessOutput(ok.stdout).AccessKeyId)!.identity.arn).toStartWith("arn:aws:sts::444444444444:assumed-role/Workload/");
    const del = await w.run(["secret", "delete", "ra-enc"]);
    expect(del.stderr).toBe('sesame: deleted the key passphrase of "ra-enc"\n');
  });

  test("a renewed certificate is a new identity: the cache is not served for it", async () => {
    await w.run(["credential-process", "ra-rsa"]);
    const before = creates().length;
    // re-issue the same key under a new serial, as a renewal does
    ssl("x509", "-req", "-in", "rsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "12345", "-days", "2", "-extfile", "leaf.ext", "-out", "rsa.pem");
    const r = await w.run(["credential-process", "ra-rsa"]);
    expect(r.code).toBe(0);
    expect(creates().length).toBe(before + 1);
    expect(creates().at(-1)!.accessKeyId).toBe("12345");
  });

  test("the catalog refuses ARNs of the wrong kind or of different regions, in one line with file:line:col", async () => {
    const bad = w.catalog + ".bad.toml";
    writeFileSync(bad, `[session.x]\ntype = "roles-anywhere"\ncertificate = "c"\nprivate_key = "k"\ntrust_anchor_arn = "${PROFILE}"\nprofile_arn = "${PROFILE}"\nrole_arn = "${WORKLOAD_ROLE}"\n`);
    const r = await w.run(["credential-process", "x", "--config", bad]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/:5:\d+: trust_anchor_arn .* is not an IAM Roles Anywhere trust-anchor ARN/);
    writeFileSync(bad, `[session.x]\ntype = "roles-anywhere"\ncertificate = "c"\nprivate_key = "k"\ntrust_anchor_arn = "${ANCHOR}"\nprofile_arn = "${PROFILE.replace("eu-west-1", "us-east-1")}"\nrole_arn = "${WORKLOAD_ROLE}"\n`);
    const r2 = await w.run(["credential-process", "x", "--config", bad]);
    expect(r2.code).toBe(3);
    expect(r2.stderr).toContain("different regions");
  });
});
