// Request routing shared by every emulated service. STS owns `POST /`; the SSO portal and SSO-OIDC emulations
// are built-in exact paths (/federation/credentials, /token, /client/register, …) that any route a test
// registers through registerRoute overrides, so a test can stub one operation.
import type { FaultQueue } from "./faults.ts";
import type { SignedRequest } from "./sigv4.ts";
import type { EmulatorState } from "./state.ts";

export interface EmulatorRequest extends SignedRequest {
  url: URL;
}

export interface EmulatorResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Instead of `body`: stream this many bytes of filler as fast as the client reads (a babbling endpoint). */
  streamBytes?: number;
}

/** One served call, as tests see it in `emulator.calls`. */
export interface CallRecord {
  service: string;
  action: string;
  /** Access key id the caller signed with (claimed, even if it was refused); undefined for unsigned calls. */
  accessKeyId?: string;
  params: Record<string, string>;
  status: number;
  errorCode?: string;
  /** Emulator clock time the call was answered. */
  at: Date;
  /** REST-JSON calls: how many calls of this action were being served when this one arrived, itself
   *  included (shows a client's concurrency). */
  inFlight?: number;
  requestId: string;
}

export interface EmulatorContext {
  state: EmulatorState;
  faults: FaultQueue;
  record(call: Omit<CallRecord, "at">): void;
}

export type RouteHandler = (req: EmulatorRequest, ctx: EmulatorContext) => Promise<EmulatorResponse> | EmulatorResponse;

interface Route {
  method: string;
  path: string;
  exact: boolean;
  /** Built-in service routes lose to every other matching route. */
  builtin: boolean;
  handler: RouteHandler;
}

/** A built-in service's exact route. */
export interface BuiltinRoute {
  method: string;
  path: string;
  handler: RouteHandler;
}

export class Router {
  private readonly routes: Route[] = [];

  /** `method` "*" matches any method; a request goes to the longest matching prefix. */
  register(method: string, pathPrefix: string, handler: RouteHandler): void {
    this.routes.push({ method: method.toUpperCase(), path: pathPrefix, exact: false, builtin: false, handler });
  }

  /** Matches only this exact path; exact routes beat prefix routes. */
  registerExact(method: string, path: string, handler: RouteHandler): void {
    this.routes.push({ method: method.toUpperCase(), path, exact: true, builtin: false, handler });
  }

  /** An exact route of a built-in service; any matching register()/registerExact() route wins over it. */
  registerBuiltin(route: BuiltinRoute): void {
    this.routes.push({ method: route.method.toUpperCase(), path: route.path, exact: true, builtin: true, handler: route.handler });
  }

  find(method: string, path: string): RouteHandler | undefined {
    let best: Route | undefined;
    for (const r of this.routes) {
      if (r.method !== "*" && r.method !== method.toUpperCase()) continue;
      if (r.exact ? path !== r.path : !path.startsWith(r.path)) continue;
      const better =
        !best ||
        (best.builtin && !r.builtin) ||
        (best.builtin === r.builtin &&
          ((r.exact && !best.exact) || (r.exact === best.exact && r.path.length > best.path.length)));
      if (better) best = r;
    }
    return best?.handler;
  }
}
