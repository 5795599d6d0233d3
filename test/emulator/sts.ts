// STS over the AWS Query protocol (aws-wire.md §1): form-encoded `POST /` in, XML envelopes out.
import { setTimeout as sleep } from "node:timers/promises";
import { type AwsError, AwsFault, errors } from "./errors.ts";
import * as ids from "./ids.ts";
import type { EmulatorContext, EmulatorRequest, EmulatorResponse, RouteHandler } from "./router.ts";
import { authenticate, parseAuthorization } from "./sigv4.ts";
import type { Caller } from "./state.ts";
import { operations, unknownAction } from "./sts-actions.ts";
import { escapeXml, leaf, node } from "./xml.ts";

export const STS_VERSION = "2011-06-15";
export const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

function xmlResponse(status: number, requestId: string, body: string): EmulatorResponse {
  return {
    status,
    headers: { "Content-Type": "text/xml", "x-amzn-RequestId": requestId },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}\n`,
  };
}

export function successXml(action: string, result: string, requestId: string): string {
  return (
    `<${action}Response xmlns="${escapeXml(STS_NAMESPACE)}">` +
    node(`${action}Result`, result) +
    node("ResponseMetadata", leaf("RequestId", requestId)) +
    `</${action}Response>`
  );
}

export function errorXml(error: AwsError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${escapeXml(STS_NAMESPACE)}">` +
    node("Error", leaf("Type", error.type), leaf("Code", error.code), leaf("Message", error.message)) +
    leaf("RequestId", requestId) +
    `</ErrorResponse>`
  );
}

/** Form parameters: the query string first, then the body (which SDKs always use). */
function formParams(req: EmulatorRequest): URLSearchParams {
  const params = new URLSearchParams(req.query);
  for (const [k, v] of new URLSearchParams(Buffer.from(req.body).toString("utf8"))) params.set(k, v);
  return params;
}

/** The key id a request claims in its Authorization header, whether or not it verifies. */
function claimedAccessKeyId(req: EmulatorRequest): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const auth = parseAuthorization(header);
  return "accessKeyId" in auth ? auth.accessKeyId : undefined;
}

export function stsHandler(): RouteHandler {
  return async (req: EmulatorRequest, ctx: EmulatorContext): Promise<EmulatorResponse> => {
    const requestId = ids.requestId();
    const params = formParams(req);
    const action = params.get("Action") ?? "";
    let accessKeyId = claimedAccessKeyId(req);

    const answer = (status: number, body: string, errorCode?: string): EmulatorResponse => {
      ctx.record({
        service: "sts",
        action,
        ...(accessKeyId !== undefined ? { accessKeyId } : {}),
        params: Object.fromEntries(params),
        status,
        ...(errorCode !== undefined ? { errorCode } : {}),
        requestId,
      });
      return xmlResponse(status, requestId, body);
    };
    const refuse = (error: AwsError) => answer(error.status, errorXml(error, requestId), error.code);

    const fault = ctx.faults.take("sts", action);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.error) return refuse(fault.error);
    if (fault?.hugeBodyBytes) return { status: 200, headers: { "Content-Type": "text/xml" }, streamBytes: fault.hugeBodyBytes };

    const version = params.get("Version") ?? "";
    const operation = operations[action];
    if (!operation || version !== STS_VERSION) return refuse(unknownAction(action, version));

    let caller: Caller | undefined;
    if (operation.signed) {
      const auth = await authenticate(req, ctx.state, "sts");
      if (!auth.ok) return refuse(auth.error);
      caller = auth.caller;
      accessKeyId = caller.accessKeyId;
    }
    try {
      const result = operation.run({ params, caller, state: ctx.state });
      return answer(200, successXml(action, result, requestId));
    } catch (e) {
      if (e instanceof AwsFault) return refuse(e.error);
      console.error(`emulator: STS ${action} crashed:`, e);
      return refuse(errors.internalFailure());
    }
  };
}
