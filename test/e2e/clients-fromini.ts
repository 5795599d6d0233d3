// Run by real-clients.test.ts in a child bun process, in the test HOME's environment (the SDK's
// credential_process runner inherits process.env, and the test process's own env must stay untouched).
//   bun test/e2e/clients-fromini.ts PROFILE
// 1. fromIni({ profile }) reads $AWS_CONFIG_FILE, runs that profile's credential_process (sesame) and
//    the credentials call STS GetCallerIdentity at $EMULATOR_URL;
// 2. an STSClient with no credentials at all, with AWS_PROFILE=PROFILE: the default provider chain
//    finds the same profile.
// Prints one JSON line: { fromIni: { accessKeyId, expiration, arn }, defaultChain: { accessKeyId, arn } }.
import { fromIni } from "@aws-sdk/credential-provider-ini";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const profile = process.argv[2];
const endpoint = process.env.EMULATOR_URL;
if (!profile || !endpoint) throw new Error("usage: EMULATOR_URL=… bun clients-fromini.ts PROFILE");

const creds = await fromIni({ profile })();
const viaIni = await new STSClient({ region: "eu-west-1", endpoint, credentials: creds }).send(new GetCallerIdentityCommand({}));

process.env.AWS_PROFILE = profile; // this child's own environment
const chained = new STSClient({ region: "eu-west-1", endpoint });
const viaChain = await chained.send(new GetCallerIdentityCommand({}));
const chainCreds = await chained.config.credentials();

process.stdout.write(
  JSON.stringify({
    fromIni: { accessKeyId: creds.accessKeyId, expiration: creds.expiration?.toISOString(), arn: viaIni.Arn },
    defaultChain: { accessKeyId: chainCreds.accessKeyId, arn: viaChain.Arn },
  }) + "\n",
);
