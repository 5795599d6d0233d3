// The narrow interface every secret backend implements (OS keyring, encrypted file).
// Values are opaque strings; callers store JSON.
export interface SecretStore {
  readonly kind: "os" | "file";
  get(account: string): Promise<string | undefined>;
  set(account: string, value: string): Promise<void>;
  /** true when something was deleted */
  delete(account: string): Promise<boolean>;
}
