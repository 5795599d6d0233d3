// The JS SDK v3's providers inside `sesame exec --server` / --imds. Prints one JSON line.
// Usage: server-js-client.ts container|imds|chain
import { fromContainerMetadata, fromInstanceMetadata } from "@smithy/credential-provider-imds";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const mode = process.argv[2];
const provider = mode === "container" ? fromContainerMetadata() : mode === "imds" ? fromInstanceMetadata() : defaultProvider();
const creds = await provider();
const sts = new STSClient({ region: "eu-west-1", endpoint: process.env.STS_URL, credentials: creds });
const id = await sts.send(new GetCallerIdentityCommand({}));
console.log(JSON.stringify({ accessKeyId: creds.accessKeyId, expiration: creds.expiration?.toISOString(), arn: id.Arn }));
