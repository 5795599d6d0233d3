// Where login talks to the person: stderr for `sesame login`, the terminal for auto-login from
// credential-process (whose stderr SDKs hide). A countdown shows the time left on a terminal.
import { writeSync } from "node:fs";

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
