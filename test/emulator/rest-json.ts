// The rest-json protocol shared by the SSO portal and SSO-OIDC (aws-wire.md §2, §3.3, §3.5): JSON bodies, the
// exception name in `x-amzn-ErrorType` (which is what the SDKs read), a per-service error body, the call log
// and fault injection per operation.
import { setTimeout as sleep } from "node:timers/promises";
import { type AwsError, AwsFault, awsError } from "./errors.ts";
import * as ids from "./ids.ts";
import type { EmulatorContext, EmulatorRequest, EmulatorResponse, RouteHandler } from "./router.ts";

export interface RestJsonService {
  /** Name in the call log and for faults: "sso" or "sso-oidc". */
  name: string;
  /** The error body: `{"message"}` for the portal, `{"error","error_description"}` for OIDC. */
  errorBody(error: AwsError): Record<string, unknown>;
  /** Appended to the exception name in `x-amzn-ErrorType` (Coral's `:http://internal.amazon.com/coral/…/`). */
  errorTypeSuffix?: string;
}

export interface RestJsonOperation {
  name: string;
  /** What the call log shows for this request (never secrets or tokens). */
  params(req: EmulatorRequest, input: Record<string, unknown>): Record<string, string>;
  /** The response body (JSON value), or undefined for an empty 200; throws AwsFault for errors. */
  run(req: EmulatorRequest, input: Record<string, unknown>, ctx: EmulatorContext): unknown;
}

/**
 * The emulator's generic faults (throttle, internal-failure, service-unavailable) are STS-shaped; render them the
 * way a rest-json service names them. TooManyRequestsException 429 "Rate exceeded" is the portal's model error
 * (aws-sam-cli#5917); OIDC has no throttling error in its model, so it gets the same [unverified].
 */
export function restJsonFault(error: AwsError): AwsError {
  if (error.code === "Throttling") return awsError("TooManyRequestsException", error.message, 429);
  if (error.code === "InternalFailure") return awsError("InternalServerException", error.message, 500);
  if (error.code === "ServiceUnavailable") return awsError("ServiceUnavailableException", error.message, 503);
  return error;
}

type Parsed = { ok: true; input: Record<string, unknown> } | { ok: false; error: AwsError };

function parseInput(req: EmulatorRequest): Parsed {
  const text = Buffer.from(req.body).toString("utf8").trim();
  if (text === "") return { ok: true, input: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return { ok: true, input: value as Record<string, unknown> };
  } catch {
    // fall through
  }
  return { ok: false, error: awsError("InvalidRequestException", "Request body is not a valid JSON object", 400) };
}

export function restJsonHandler(service: RestJsonService, operation: RestJsonOperation): RouteHandler {
  let active = 0;
  return async (req, ctx): Promise<EmulatorResponse> => {
    const inFlight = ++active;
    try {
      return await serve(req, ctx, inFlight);
    } finally {
      active--;
    }
  };

  async function serve(req: EmulatorRequest, ctx: Parameters<RouteHandler>[1], inFlight: number): Promise<EmulatorResponse> {
    const requestId = ids.requestId();
    const parsed = parseInput(req);
    const input = parsed.ok ? parsed.input : {};
    const params = operation.params(req, input);

    const answer = (status: number, body: string, headers: Record<string, string>, errorCode?: string): EmulatorResponse => {
      ctx.record({
        service: service.name,
        action: operation.name,
        params,
        status,
        ...(errorCode !== undefined ? { errorCode } : {}),
        requestId,
        inFlight,
      });
      return { status, headers: { "x-amzn-RequestId": requestId, ...headers }, body };
    };
    const refuse = (error: AwsError) =>
      answer(
        error.status,
        JSON.stringify(service.errorBody(error)),
        { "Content-Type": "application/json", "x-amzn-ErrorType": `${error.code}${service.errorTypeSuffix ?? ""}` },
        error.code,
      );

    const fault = ctx.faults.take(service.name, operation.name);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.error) return refuse(restJsonFault(fault.error));
    if (fault?.hugeBodyBytes) return { status: 200, headers: { "Content-Type": "application/json" }, streamBytes: fault.hugeBodyBytes };
    if (!parsed.ok) return refuse(parsed.error);

    try {
      const out = operation.run(req, input, ctx);
      if (out === undefined) return answer(200, "", {});
      return answer(200, JSON.stringify(out), { "Content-Type": "application/json" });
    } catch (e) {
      if (e instanceof AwsFault) return refuse(e.error);
      console.error(`emulator: ${service.name} ${operation.name} crashed:`, e);
      return refuse(awsError("InternalServerException", "An internal error has occurred", 500));
    }
  }
}
