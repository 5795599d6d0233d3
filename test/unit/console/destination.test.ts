import { describe, expect, test } from "bun:test";
import { checkDestination, checkRegion, KNOWN_SERVICES, serviceDestination } from "../../../src/console/destination.ts";
import { logoutThenLoginUrl, signinEndpoint } from "../../../src/console/federation.ts";
import { UsageError } from "../../../src/errors.ts";

describe("serviceDestination", () => {
  test("regional services carry the region, global ones none, on the partition's console", () => {
    expect(serviceDestination("ec2", "aws", "eu-west-1")).toBe("https://console.aws.amazon.com/ec2/home?region=eu-west-1");
    expect(serviceDestination("EC2", "aws", "eu-west-1")).toBe("https://console.aws.amazon.com/ec2/home?region=eu-west-1");
    expect(serviceDestination("iam", "aws", "eu-west-1")).toBe("https://console.aws.amazon.com/iam/home");
    expect(serviceDestination("billing", "aws", "eu-west-1")).toBe("https://console.aws.amazon.com/billing/home");
    expect(serviceDestination("s3", "aws", "us-west-2")).toBe("https://console.aws.amazon.com/s3/buckets?region=us-west-2");
    expect(serviceDestination("logs", "aws", "us-west-2")).toBe("https://console.aws.amazon.com/cloudwatch/home?region=us-west-2#logsV2:");
    expect(serviceDestination("lambda", "aws-cn", "cn-north-1")).toBe("https://console.amazonaws.cn/lambda/home?region=cn-north-1");
    expect(serviceDestination("rds", "aws-us-gov", "us-gov-west-1")).toBe("https://console.amazonaws-us-gov.com/rds/home?region=us-gov-west-1");
    for (const s of ["ec2", "s3", "iam", "lambda", "cloudwatch", "cloudformation", "dynamodb", "rds", "ecs", "eks", "sqs", "sns", "route53", "billing"]) expect(KNOWN_SERVICES).toContain(s);
  });

  test("an unknown service (or an Object property name) is refused, pointing at --destination", () => {
    for (const s of ["ec3", "constructor", "__proto__"]) {
      expect(() => serviceDestination(s, "aws", "eu-west-1")).toThrow(UsageError);
    }
    let line = "";
    try {
      serviceDestination("ec3", "aws", "eu-west-1");
    } catch (e) {
      line = (e as UsageError).toLine();
    }
    expect(line).toContain("with --destination");
  });
});

describe("checkRegion", () => {
  test("a region of the session's partition", () => {
    expect(checkRegion("eu-west-1", "aws")).toBe("eu-west-1");
    expect(checkRegion("cn-northwest-1", "aws-cn")).toBe("cn-northwest-1");
    expect(checkRegion("us-gov-east-1", "aws-us-gov")).toBe("us-gov-east-1");
    expect(() => checkRegion("us-gov-east-1", "aws")).toThrow(/aws-us-gov partition/);
    expect(() => checkRegion("eu-west-1\u001b[2J", "aws")).toThrow(UsageError);
    expect(() => checkRegion("Europe", "aws")).toThrow(/not an AWS region name/);
  });
});

describe("checkDestination", () => {
  test("https on the partition's console domain (http to loopback for tests)", () => {
    expect(checkDestination("https://s3.console.aws.amazon.com/s3/buckets", "aws")).toBe("https://s3.console.aws.amazon.com/s3/buckets");
    expect(checkDestination("https://console.amazonaws.cn/ec2/home", "aws-cn")).toBe("https://console.amazonaws.cn/ec2/home");
    expect(checkDestination("https://console.amazonaws-us-gov.com/", "aws-us-gov")).toBe("https://console.amazonaws-us-gov.com/");
    expect(checkDestination("http://127.0.0.1:8080/x", "aws")).toBe("http://127.0.0.1:8080/x");
    for (const [d, p] of [["https://console.aws.amazon.com/", "aws-cn"], ["https://aws.amazon.com.evil.example/", "aws"], ["https://user@console.aws.amazon.com/", "aws"], ["http://console.aws.amazon.com/", "aws"]] as const) {
      expect(() => checkDestination(d, p)).toThrow(UsageError);
    }
  });
});

describe("logoutThenLoginUrl", () => {
  test("aws: the us-east-1 sign-in host for both; other partitions their own /oauth", () => {
    const login = "https://us-east-1.signin.aws.amazon.com/federation?Action=login&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F&SigninToken=t";
    expect(logoutThenLoginUrl(signinEndpoint("aws"), "t", "https://console.aws.amazon.com/")).toBe(`https://us-east-1.signin.aws.amazon.com/oauth?Action=logout&redirect_uri=${encodeURIComponent(login)}`);
    expect(logoutThenLoginUrl(signinEndpoint("aws-cn"), "t", "https://console.amazonaws.cn/")).toStartWith(`https://signin.amazonaws.cn/oauth?Action=logout&redirect_uri=${encodeURIComponent("https://signin.amazonaws.cn/federation?Action=login&")}`);
    expect(logoutThenLoginUrl(signinEndpoint("aws-us-gov"), "t", "https://console.amazonaws-us-gov.com/")).toStartWith("https://signin.amazonaws-us-gov.com/oauth?Action=logout&redirect_uri=");
  });
});
