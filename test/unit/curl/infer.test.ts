// Which service and region `sesame curl` signs for, read off the host name (src/curl/infer.ts).
import { expect, test } from "bun:test";
import { inferFromHost } from "../../../src/curl/infer.ts";

test("AWS host names give the signing name and region", () => {
  const cases: Array<[string, string | undefined, string | undefined]> = [
    ["abc123def4.execute-api.eu-west-1.amazonaws.com", "execute-api", "eu-west-1"],
    ["x7k2m9q4vsnrt5lbw3ha6zyejc0dpfog.lambda-url.us-east-2.on.aws", "lambda", "us-east-2"],
    ["search-logs-abc123xyz.eu-central-1.es.amazonaws.com", "es", "eu-central-1"],
    ["vpc-logs-abc123xyz.ap-southeast-2.es.amazonaws.com", "es", "ap-southeast-2"],
    ["07tjusf2h91cunochc.us-east-1.aoss.amazonaws.com", "aoss", "us-east-1"],
    ["my-bucket.s3.eu-west-3.amazonaws.com", "s3", "eu-west-3"],
    ["s3.eu-west-3.amazonaws.com", "s3", "eu-west-3"],
    ["my.dotted.bucket.s3.dualstack.us-west-2.amazonaws.com", "s3", "us-west-2"],
    ["my-bucket.s3-us-west-2.amazonaws.com", "s3", "us-west-2"],
    ["my-bucket.s3.amazonaws.com", "s3", "us-east-1"],
    ["s3.amazonaws.com", "s3", "us-east-1"],
    ["ap-111122223333.s3-accesspoint.eu-north-1.amazonaws.com", "s3", "eu-north-1"],
    ["dynamodb.ap-northeast-1.amazonaws.com", "dynamodb", "ap-northeast-1"],
    ["dynamodb-fips.us-gov-west-1.amazonaws.com", "dynamodb", "us-gov-west-1"],
    ["email.eu-west-1.amazonaws.com", "ses", "eu-west-1"],
    ["runtime.sagemaker.us-east-1.amazonaws.com", "sagemaker", "us-east-1"],
    ["sqs.cn-north-1.amazonaws.com.cn", "sqs", "cn-north-1"],
    ["lambda.eu-south-2.api.aws", "lambda", "eu-south-2"],
    ["iam.amazonaws.com", "iam", "us-east-1"],
    ["sts.amazonaws.com", "sts", "us-east-1"],
    ["EXECUTE-API.Eu-West-1.amazonaws.com.", "execute-api", "eu-west-1"],
  ];
  for (const [host, service, region] of cases) expect([host, inferFromHost(host)]).toEqual([host, { service, region }]);
});

test("custom domains and look-alikes say nothing, so the caller is asked for --service/--region", () => {
  for (const host of ["api.example.com", "127.0.0.1", "localhost", "execute-api.eu-west-1.amazonaws.com.evil.example", "amazonaws.com", "abc.execute-api.amazonaws.com"]) {
    expect([host, inferFromHost(host)]).toEqual([host, {}]);
  }
});
