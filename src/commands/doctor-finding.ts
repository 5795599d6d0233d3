// What a doctor check reports: its own module so that doctor.ts and the checks it loads (doctor-roots.ts)
// share the type without importing each other.
export type Status = "ok" | "warn" | "fail";

export interface Finding {
  check: "catalog" | "keyring" | "keys" | "profiles" | "credentials-file" | "clock" | "cache" | "sso" | "aws-login" | "roots";
  status: Status;
  message: string;
  fix?: string;
}
