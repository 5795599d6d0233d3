// Where `sesame console` opens: the console page of a service (--service) in a region (--region), or a page
// the user names (--destination), always on the console of the session's partition. The service table holds
// the console paths people open every day (as granted's and aws-vault's maps do); anything else goes
// through --destination. Global services (IAM, Route 53, billing, …) take no region.
import { UsageError } from "../errors.ts";

export type Partition = "aws" | "aws-cn" | "aws-us-gov";

interface ServicePage {
  path: string;
  /** a global service: its console takes no region */
  global?: true;
}

const SERVICES: Record<string, ServicePage> = {
  apigateway: { path: "apigateway/main/apis" },
  athena: { path: "athena/home" },
  billing: { path: "billing/home", global: true },
  cloudformation: { path: "cloudformation/home" },
  cloudfront: { path: "cloudfront/v4/home", global: true },
  cloudtrail: { path: "cloudtrail/home" },
  cloudwatch: { path: "cloudwatch/home" },
  codebuild: { path: "codesuite/codebuild/home" },
  codepipeline: { path: "codesuite/codepipeline/home" },
  costexplorer: { path: "cost-management/home", global: true },
  dynamodb: { path: "dynamodbv2/home" },
  ec2: { path: "ec2/home" },
  ecr: { path: "ecr/home" },
  ecs: { path: "ecs/v2/home" },
  eks: { path: "eks/home" },
  elasticache: { path: "elasticache/home" },
  events: { path: "events/home" },
  glue: { path: "glue/home" },
  iam: { path: "iam/home", global: true },
  kinesis: { path: "kinesis/home" },
  kms: { path: "kms/home" },
  lambda: { path: "lambda/home" },
  logs: { path: "cloudwatch/home#logsV2:" },
  organizations: { path: "organizations/v2/home", global: true },
  rds: { path: "rds/home" },
  route53: { path: "route53/v2/home", global: true },
  s3: { path: "s3/buckets" }, // S3's list is global, but the console opens it in a region
  secretsmanager: { path: "secretsmanager/home" },
  sns: { path: "sns/v3/home" },
  sqs: { path: "sqs/v3/home" },
  ssm: { path: "systems-manager/home" },
  stepfunctions: { path: "states/home" },
  support: { path: "support/home", global: true },
  vpc: { path: "vpc/home" },
};

export const KNOWN_SERVICES = Object.keys(SERVICES);

const CONSOLE: Record<Partition, { host: string; domain: string }> = {
  aws: { host: "console.aws.amazon.com", domain: "aws.amazon.com" },
  "aws-cn": { host: "console.amazonaws.cn", domain: "amazonaws.cn" },
  "aws-us-gov": { host: "console.amazonaws-us-gov.com", domain: "amazonaws-us-gov.com" },
};

const REGION_RE = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

/** --region: a region name, of the session's partition. */
export function checkRegion(region: string, partition: Partition): string {
  if (!REGION_RE.test(region)) throw new UsageError(`--region "${region.replace(/[^\x20-\x7e]/g, "?").slice(0, 40)}" is not an AWS region name`, "write it like eu-west-1, us-gov-west-1 or cn-north-1");
  const of: Partition = region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
  if (of !== partition) throw new UsageError(`--region ${region} is in the ${of} partition, but the session signs in to ${partition}`, `pick a region of ${partition}, or a session of ${of}`);
  return region;
}

/** The console page of a service (--service) in a region; global services get none. */
export function serviceDestination(service: string, partition: Partition, region: string): string {
  const page = Object.hasOwn(SERVICES, service.toLowerCase()) ? SERVICES[service.toLowerCase()]! : undefined;
  if (!page) {
    const shown = service.replace(/[^\x20-\x7e]/g, "?").slice(0, 40);
    throw new UsageError(`--service "${shown}" is not one sesame knows (it knows ${["ec2", "s3", "iam", "lambda", "cloudwatch", "dynamodb", "rds"].join(", ")}, … — see docs/console.md)`, "give one of those, or the page's full URL with --destination");
  }
  const base = `https://${CONSOLE[partition].host}/`;
  if (page.global) return base + page.path;
  const [path, fragment] = page.path.split("#") as [string, string | undefined];
  return `${base}${path}?region=${encodeURIComponent(region)}${fragment !== undefined ? `#${fragment}` : ""}`;
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** --destination: an https URL on the console of the session's partition (http to a loopback host, for tests). */
export function checkDestination(d: string, partition: Partition = "aws"): string {
  const example = `https://${CONSOLE[partition].host}/s3/home`;
  let u: URL;
  try {
    u = new URL(d);
  } catch {
    throw new UsageError(`--destination "${d.replace(/[^\x20-\x7e]/g, "?").slice(0, 80)}" is not a URL`, `give a full console URL, e.g. ${example}`);
  }
  if (u.protocol === "http:" && isLoopback(u.hostname)) return u.toString();
  if (u.protocol !== "https:") throw new UsageError(`--destination must be an https:// URL`, `give a full console URL, e.g. ${example}`);
  const domain = CONSOLE[partition].domain;
  if (u.username || u.password || (u.hostname !== domain && !u.hostname.endsWith(`.${domain}`))) {
    throw new UsageError(`--destination ${u.host} is not a console page of the ${partition} partition (*.${domain})`, `give a console URL of ${partition}, e.g. ${example}`);
  }
  return u.toString();
}
