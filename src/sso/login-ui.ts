// Where login talks to the person: stderr for `sesame login`, the terminal for auto-login from
// credential-process (whose stderr SDKs hide). A countdown shows the time left on a terminal.
import { writeSync } from "node:fs";
import type { LoopbackRedirect } from "../runtime/loopback-redirect.ts";
import { printable } from "./printable.ts";

export interface LoginUi {
  say(line: string): void;
  /** shows "what … m:ss left" until the returned function is called */
  waiting(what: string, deadlineMs: number): () => void;
}

export function streamUi(fd: number, isTty: boolean): LoginUi {
  return {
    say: (line) => writeSync(fd, line + "\n"),
    waiting(what, deadlineMs) {
      if (!isTty) {
        writeSync(fd, `${what}…\n`);
        return () => {};
      }
      const draw = () => {
        const left = Math.max(0, Math.round((deadlineMs - Date.now()) / 1000));
        writeSync(fd, `\r\x1b[K${what} — ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} left`);
      };
      draw();
      const timer = setInterval(draw, 1000);
      return () => {
        clearInterval(timer);
        writeSync(fd, "\r\x1b[K");
      };
    },
  };
}

/**
 * Waits (with the countdown) for the browser to come back to the loopback redirect of a PKCE sign-in; a
 * timeout or an error the browser brought is thrown as the caller words it.
 */
export async function browserAnswer(
  loop: LoopbackRedirect,
  ui: LoginUi,
  timeoutMs: number,
  fail: { timeout(): Error; denied(error: string): Error },
): Promise<{ code: string; finish(ok: boolean, detail: string): void }> {
  const stop = ui.waiting("Waiting for the browser", Date.now() + timeoutMs);
  let answer;
  try {
    answer = await loop.answer(timeoutMs);
  } finally {
    stop();
  }
  if ("code" in answer) return answer;
  throw answer.error === "timeout" ? fail.timeout() : fail.denied(printable(answer.error).slice(0, 100));
}
