// The browser pages the emulated sign-in services serve (IAM Identity Center's /authorize and /device, AWS
// Sign-In's /v1/authorize and confirmation page): one small HTML shape, every inserted text escaped.
import type { EmulatorResponse } from "./router.ts";

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function html(status: number, title: string, body: string, headers: Record<string, string> = {}): EmulatorResponse {
  return {
    status,
    headers: { "Content-Type": "text/html; charset=utf-8", ...headers },
    body: `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>\n<h1>${escapeHtml(title)}</h1>\n${body}\n</body></html>\n`,
  };
}
