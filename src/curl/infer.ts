// Which service and region to sign for, read off an AWS host name where AWS's naming says it
// (execute-api, Lambda function URLs, OpenSearch, S3, {service}.{region}.amazonaws.com, global services).
// A custom domain says nothing: then the caller passes --service (and --region).

export interface Inferred {
  service?: string;
  region?: string;
}

const REGION = "[a-z]{2}(?:-[a-z]+)+-\\d{1,2}";
const SUFFIX = "amazonaws\\.com(?:\\.cn)?";

/** Endpoint prefixes whose signing name differs from the prefix. */
const SIGNING_NAME: Record<string, string> = {
  email: "ses",
  monitoring: "monitoring",
  "runtime.sagemaker": "sagemaker",
  "runtime.lex": "lex",
  "data.iot": "iotdata",
  "iot-data": "iotdata",
  "streams.dynamodb": "dynamodb",
  "data-ats.iot": "iotdata",
};

/** Services with one global endpoint, signed for us-east-1 (aws partition). */
const GLOBAL: Record<string, Inferred> = {
  "iam.amazonaws.com": { service: "iam", region: "us-east-1" },
  "sts.amazonaws.com": { service: "sts", region: "us-east-1" },
  "cloudfront.amazonaws.com": { service: "cloudfront", region: "us-east-1" },
  "route53.amazonaws.com": { service: "route53", region: "us-east-1" },
  "organizations.us-east-1.amazonaws.com": { service: "organizations", region: "us-east-1" },
  "s3.amazonaws.com": { service: "s3", region: "us-east-1" },
  "iam.cn-north-1.amazonaws.com.cn": { service: "iam", region: "cn-north-1" },
};

const RULES: Array<[RegExp, (m: RegExpExecArray) => Inferred]> = [
  // API Gateway: {api-id}.execute-api.{region}.amazonaws.com
  [new RegExp(`^[a-z0-9]+\\.execute-api\\.(${REGION})\\.${SUFFIX}$`), (m) => ({ service: "execute-api", region: m[1]! })],
  // Lambda function URL: {url-id}.lambda-url.{region}.on.aws
  [new RegExp(`^[a-z0-9]+\\.lambda-url\\.(${REGION})\\.on\\.aws$`), (m) => ({ service: "lambda", region: m[1]! })],
  // OpenSearch Serverless: {collection-id}.{region}.aoss.amazonaws.com
  [new RegExp(`^[a-z0-9-]+\\.(${REGION})\\.aoss\\.${SUFFIX}$`), (m) => ({ service: "aoss", region: m[1]! })],
  // OpenSearch / Elasticsearch domains: search-{name}-{id}.{region}.es.amazonaws.com (and vpc-…)
  [new RegExp(`^[a-z0-9-]+\\.(${REGION})\\.es\\.${SUFFIX}$`), (m) => ({ service: "es", region: m[1]! })],
  // S3, path or virtual-hosted style: [bucket.]s3[.dualstack|-fips].{region}.amazonaws.com, legacy s3-{region}
  [new RegExp(`^(?:.+\\.)?s3(?:-fips)?(?:\\.dualstack)?[.-](${REGION})\\.${SUFFIX}$`), (m) => ({ service: "s3", region: m[1]! })],
  [new RegExp(`^.+\\.s3\\.${SUFFIX}$`), () => ({ service: "s3", region: "us-east-1" })],
  // S3 access points and Object Lambda: {name}-{account}.s3-accesspoint.{region}.amazonaws.com
  [new RegExp(`^.+\\.s3-(?:accesspoint|object-lambda)(?:-fips)?(?:\\.dualstack)?\\.(${REGION})\\.${SUFFIX}$`), (m) => ({ service: m[0].includes("object-lambda") ? "s3-object-lambda" : "s3", region: m[1]! })],
  // Regional endpoints: {service}[-fips].{region}.amazonaws.com, and the dual-stack {service}.{region}.api.aws
  [new RegExp(`^([a-z0-9.-]+?)(?:-fips)?\\.(${REGION})\\.(?:${SUFFIX}|api\\.aws)$`), (m) => ({ service: SIGNING_NAME[m[1]!] ?? m[1]!, region: m[2]! })],
];

export function inferFromHost(hostname: string): Inferred {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  const g = GLOBAL[host];
  if (g) return { ...g };
  for (const [re, f] of RULES) {
    const m = re.exec(host);
    if (m) return f(m);
  }
  return {};
}
