// A child for `sesame exec` in exec-env-whoami.test.ts: appends every signal a shell can send that it
// receives (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM, SIGCONT) to $MARK, one
// name a line (handled one by one, unlike a shell trap, which folds signals arriving while a foreground
// command runs), prints "ready PPID" once its handlers are in, and exits 0 on SIGTERM.
// Bounded: if no SIGTERM ever comes, it ends by itself with status 3.
import { appendFileSync } from "node:fs";

const mark = process.env.MARK;
if (!mark) throw new Error("MARK is not set");
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGALRM", "SIGCONT"] as const) {
  process.on(sig, () => {
    appendFileSync(mark, `${sig}\n`);
    if (sig === "SIGTERM") process.exit(0);
  });
}
console.log(`ready ${process.ppid}`);
setTimeout(() => process.exit(3), 20_000);
