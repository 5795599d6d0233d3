// The X.509 CreateSession signature (src/rolesanywhere/create-session.ts) against the emulator's
// independent verifier (test/emulator/rolesanywhere.ts), called in-process: accepted as made, refused
// after any signed part is changed. Certificates come from the openssl CLI.
import { beforeAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadMaterial, type Material } from "../../../src/rolesanywhere/material.ts";
import { signCreateSession, type SignedCall } from "../../../src/rolesanywhere/create-session.ts";
import { rolesAnywhereHandler } from "../../emulator/rolesanywhere.ts";
import { EmulatorState } from "../../emulator/state.ts";
import type { EmulatorResponse } from "../../emulator/router.ts";

const ANCHOR = "arn:aws:rolesanywhere:eu-west-1:444444444444:trust-anchor/aaaa-1";
const PROFILE = "arn:aws:rolesanywhere:eu-west-1:444444444444:profile/bbbb-2";
const ROLE = "arn:aws:iam::444444444444:role/Workload";
/** set once the certificates exist: their notBefore is the second they were made */
let NOW: Date;

let dir: string;
const materials: Record<string, Material> = {};
let handler: ReturnType<typeof rolesAnywhereHandler>;
const state = new EmulatorState();

beforeAll(async () => {
  dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), "ra-unit-"));
  const ssl = (...a: string[]) => execFileSync("openssl", a, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=ca", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
  ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ica.key", "-out", "ica.csr", "-subj", "/CN=ica");
  writeFileSync(join(dir, "ica.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n");
  ssl("x509", "-req", "-in", "ica.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "5", "-days", "1", "-extfile", "ica.ext", "-out", "ica.pem");
  for (const [name, alg] of [["rsa", ["-newkey", "rsa:2048"]], ["ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]]] as const) {
    ssl("req", ...alg, "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
    ssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ica.pem", "-CAkey", "ica.key", "-set_serial", "0xABCDEF0123", "-days", "1", "-out", `${name}.pem`);
  }
  NOW = new Date(Date.now() + 1000); // past the whole second the last certificate starts at
  for (const name of ["rsa", "ec"]) {
    materials[name] = await loadMaterial(name, { certificate: join(dir, `${name}.pem`), certificate_chain: join(dir, "ica.pem"), private_key: join(dir, `${name}.key`) }, NOW);
  }
  state.addRole({ arn: ROLE });
  handler = rolesAnywhereHandler({ trustAnchors: new Map([[ANCHOR, readFileSync(join(dir, "ca.pem"), "utf8")]]), profiles: new Map([[PROFILE, { roleArns: [ROLE] }]]) });
});

async function submit(call: SignedCall): Promise<EmulatorResponse> {
  const url = new URL(call.url);
  const headers = Object.fromEntries(Object.entries(call.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return handler(
    { method: "POST", path: url.pathname, query: url.search.slice(1), headers, body: new TextEncoder().encode(call.body), url },
    { state, faults: undefined as never, record: () => {} },
  );
}

const base = { endpoint: "https://rolesanywhere.eu-west-1.amazonaws.com", region: "eu-west-1", trustAnchorArn: ANCHOR, profileArn: PROFILE, roleArn: ROLE, durationSeconds: 3600 };

describe("X.509 CreateSession signatures", () => {
  for (const kind of ["rsa", "ec"]) {
    test(`${kind}: the wire format, accepted as made`, async () => {
      const call = signCreateSession(materials[kind]!, { ...base, now: NOW });
      const day = NOW.toISOString().slice(0, 10).replace(/-/g, "");
      expect(call.url).toBe(`https://rolesanywhere.eu-west-1.amazonaws.com/sessions?profileArn=${encodeURIComponent(PROFILE)}&roleArn=${encodeURIComponent(ROLE)}&trustAnchorArn=${encodeURIComponent(ANCHOR)}`);
      expect(call.headers.authorization).toMatch(
        new RegExp(`^AWS4-X509-${kind === "rsa" ? "RSA" : "ECDSA"}-SHA256 Credential=${BigInt("0xABCDEF0123")}/${day}/eu-west-1/rolesanywhere/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain, Signature=[0-9a-f]+$`),
      );
      expect(JSON.parse(call.body)).toEqual({ durationSeconds: 3600 });
      expect(Buffer.from(call.headers["x-amz-x509"]!, "base64")).toEqual(materials[kind]!.leaf.raw);
      expect(call.headers["x-amz-x509-chain"]).toBe(materials[kind]!.chain[0]!.raw.toString("base64"));
      const res = await submit(call);
      expect([res.status, String(res.body).slice(0, 200)]).toEqual([201, expect.stringContaining("credentialSet")]);
    });

    test(`${kind}: refused after a signed part changes`, async () => {
      const good = signCreateSession(materials[kind]!, { ...base, now: NOW });
      const tampered: Array<[string, SignedCall]> = [
        ["body", { ...good, body: JSON.stringify({ durationSeconds: 43200 }) }],
        ["query", { ...good, url: good.url.replace("Workload", "Admin") }],
        ["date", { ...good, headers: { ...good.headers, "x-amz-date": good.headers["x-amz-date"]!.replace(/\d(?=Z$)/, (d) => String((Number(d) + 1) % 10)) } }],
        ["signature", { ...good, headers: { ...good.headers, authorization: good.headers.authorization!.replace(/[0-9a-f]{4}$/, "0000") } }],
        ["serial", { ...good, headers: { ...good.headers, authorization: good.headers.authorization!.replace(/Credential=\d+/, "Credential=1") } }],
      ];
      for (const [what, call] of tampered) expect([what, (await submit(call)).status]).toEqual([what, 403]);
    });
  }
});
