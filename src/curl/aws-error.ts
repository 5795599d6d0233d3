// AWS's error code and message out of an error answer, whatever the protocol: the x-amzn-ErrorType
// header (REST-JSON, API Gateway, Lambda URLs), a JSON body (__type / code / message) or an XML one
// (<Code>, <Message>: S3, Query protocols). Returned text is stripped of control characters and cut short:
// it comes from the network and ends up on a terminal.

export interface AwsErrorInfo {
  code?: string;
  message?: string;
}

function clean(s: string | undefined, max: number): string | undefined {
  if (s === undefined) return undefined;
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ").replace(/\s+/g, " ").trim();
  if (t === "") return undefined;
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** "com.amazon.coral#AccessDeniedException" and "InvalidSignatureException:http://…" → the bare code. */
function bareCode(c: string): string {
  return c.split(":")[0]!.split("#").pop()!;
}

export function awsErrorOf(headers: Record<string, string | string[] | undefined>, body: Uint8Array): AwsErrorInfo {
  const text = Buffer.from(body).toString("utf8");
  let code: string | undefined;
  let message: string | undefined;
  const h = headers["x-amzn-errortype"];
  if (typeof h === "string" && h) code = bareCode(h);
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    if (j && typeof j === "object") {
      const pick = (...ks: string[]) => ks.map((k) => j[k]).find((v): v is string => typeof v === "string");
      code ??= pick("__type", "code", "Code", "errorCode") && bareCode(pick("__type", "code", "Code", "errorCode")!);
      message = pick("message", "Message", "errorMessage");
    }
  } catch {
    const c = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    if (c) code ??= c;
    message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  }
  return { code: clean(code, 100), message: clean(message, 300) };
}
