#!/usr/bin/env bash
# Runs its arguments inside a private D-Bus session with an unlocked gnome-keyring Secret Service,
# so the OS-keyring tests have a real backend on headless machines (CI, containers, SSH sessions).
#
#   bash scripts/with-keyring.sh ./node_modules/.bin/bun test test/integration
#
# The session bus is always a private one (dbus-run-session), even on a desktop, so tests never
# write into the developer's own keyring. The keyring files live in a throwaway folder that is
# removed afterwards; the daemon exits with the private bus.
set -uo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: bash scripts/with-keyring.sh COMMAND [ARG...]" >&2
  exit 2
fi

# 1. A private session bus: re-exec this script under dbus-run-session once.
if [ -z "${SESAME_WITH_KEYRING_BUS:-}" ]; then
  if command -v dbus-run-session >/dev/null 2>&1; then
    export SESAME_WITH_KEYRING_BUS=1
    # In containers dbus-daemon may print "Failed to set fd limit": harmless.
    exec dbus-run-session -- bash "$0" "$@"
  fi
  if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    echo "with-keyring: dbus-run-session not found (apt-get install dbus); running without a Secret Service" >&2
    exec "$@"
  fi
  echo "with-keyring: dbus-run-session not found; using the existing session bus as it is" >&2
  exec "$@"
fi
unset SESAME_WITH_KEYRING_BUS

# 2. An unlocked gnome-keyring holding only a throwaway login keyring.
if ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
  echo "with-keyring: gnome-keyring-daemon not found (apt-get install gnome-keyring); running without a Secret Service" >&2
  exec "$@"
fi

scratch="$(mktemp -d "${TMPDIR:-/tmp}/sesame-keyring.XXXXXX")"
chmod 700 "$scratch"
mkdir -m 700 "$scratch/data" "$scratch/run" "$scratch/cache"
cleanup() { rm -rf "$scratch"; }
trap cleanup EXIT

# --unlock reads the login keyring's password from stdin and creates that keyring (the default
# collection) when it does not exist yet; --daemonize returns once the daemon owns
# org.freedesktop.secrets and prints the variables its clients need.
password="throwaway-$$-$RANDOM"
start_daemon() {
  local started line
  if ! started="$(printf '%s' "$password" |
    HOME="$scratch" XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run" XDG_CACHE_HOME="$scratch/cache" \
      gnome-keyring-daemon --unlock --replace --components=secrets --daemonize)"; then
    return 1
  fi
  while IFS= read -r line; do
    case "$line" in
      *=*) export "${line?}" ;;
    esac
  done <<<"$started"
}

# gnome-keyring-daemon 42 sometimes dies on a GLib assertion under many parallel writers (seen in the
# kernel log as "traps: gnome-keyring-d … in libglib"); every later test would then fail with "no
# unlocked default keyring". A watcher starts it again on the same (on-disk) login keyring, so one crash
# costs at most the calls in flight at that moment. It asks the bus, never looks processes up by name.
secrets_owned() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'
}
watch_daemon() {
  while sleep 0.3; do
    if ! secrets_owned; then
      echo "with-keyring: the Secret Service went away (gnome-keyring-daemon crashed); starting it again" >&2
      start_daemon || echo "with-keyring: gnome-keyring-daemon did not start again" >&2
    fi
  done
}

watcher=""
if ! start_daemon; then
  echo "with-keyring: gnome-keyring-daemon failed to start; running without a Secret Service" >&2
elif command -v dbus-send >/dev/null 2>&1; then
  watch_daemon &
  watcher=$!
fi

"$@"
status=$?
if [ -n "$watcher" ]; then kill "$watcher" 2>/dev/null; fi
exit "$status"
