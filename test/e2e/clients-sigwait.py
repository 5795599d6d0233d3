# A child for `sesame exec` in exec-env-whoami.test.ts (the Ctrl-C test): takes SIGINT and SIGTERM one by
# one with sigwaitinfo, in the kernel's order, and appends to $MARK one line per signal: its name and
# who sent it ("sesame" when the sender is its parent, else "other": the tty driver, the test). Prints
# "ready PPID" once the signals are blocked; exits 0 after SIGTERM, 3 if nothing comes for 20 s.
import os
import signal
import sys

mark = os.environ["MARK"]
wanted = {signal.SIGINT, signal.SIGTERM}
signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
parent = os.getppid()
print(f"ready {parent}", flush=True)
while True:
    info = signal.sigtimedwait(wanted, 20)
    if info is None:
        sys.exit(3)
    sender = "sesame" if info.si_pid == parent else "other"
    with open(mark, "a") as f:
        f.write(f"{signal.Signals(info.si_signo).name} {sender}\n")
    if info.si_signo == signal.SIGTERM:
        sys.exit(0)
