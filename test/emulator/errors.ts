// Protocol-neutral error values. The verifier and the operations produce these; each protocol (STS Query XML,
// later the rest-json SSO services) renders them in its own envelope.

export type ErrorType = "Sender" | "Receiver";

export interface AwsError {
  code: string;
  message: string;
  status: number;
  type: ErrorType;
}

export function awsError(code: string, message: string, status: number, type?: ErrorType): AwsError {
  return { code, message, status, type: type ?? (status >= 500 ? "Receiver" : "Sender") };
}

/** Thrown inside operation handlers; the protocol layer turns it into an error response. */
export class AwsFault extends Error {
  constructor(readonly error: AwsError) {
    super(`${error.code}: ${error.message}`);
    this.name = "AwsFault";
  }
}

export function fail(code: string, message: string, status: number, type?: ErrorType): never {
  throw new AwsFault(awsError(code, message, status, type));
}

// Wording below follows aws-wire.md §1.6 (messages quoted from real responses where known).
export const errors = {
  missingAuthenticationToken: () => awsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403),
  incompleteSignature: (message: string) => awsError("IncompleteSignature", message, 400),
  invalidClientTokenId: () =>
    awsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403),
  expiredToken: () => awsError("ExpiredToken", "The security token included in the request is expired", 403),
  signatureDoesNotMatch: (message?: string) =>
    awsError(
      "SignatureDoesNotMatch",
      message ??
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
      403,
    ),
  accessDenied: (message: string) => awsError("AccessDenied", message, 403),
  validation: (message: string) => awsError("ValidationError", message, 400),
  throttling: () => awsError("Throttling", "Rate exceeded", 400),
  internalFailure: () => awsError("InternalFailure", "An internal error has occurred", 500, "Receiver"),
  serviceUnavailable: () => awsError("ServiceUnavailable", "Service is unavailable", 503, "Receiver"),
};
