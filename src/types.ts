// The plain values every layer passes around, in a leaf module that imports nothing: storage, the SDK
// adapters and the renderers use them without depending on the providers that make them.

/** A set of AWS credentials, as a hop hands them to the next one. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** absent only for long-lived keys, which never leave sesame */
  expiration?: Date;
}

/** An environment: process.env, or the one a test or a child process is given. */
export type Env = Record<string, string | undefined>;
