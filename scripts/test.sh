#!/usr/bin/env bash
# The project's test command (npm test): builds the binary, runs `bun test` inside a private
# D-Bus session with an unlocked gnome-keyring (scripts/with-keyring.sh), and prints as its last
# line "N passed, N failed" (", N skipped" when some were skipped) from the runner's own counts.
# Extra arguments go to `bun test` (paths, -t PATTERN...).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bun="$root/node_modules/.bin/bun"

work="$(mktemp -d "${TMPDIR:-/tmp}/sesame-test-run.XXXXXX")"
trap 'rm -rf "$work"' EXIT
junit="$work/junit.xml"
log="$work/console.log"

# 1. The binary the end-to-end tests run. A stale binary must not be tested: stop on failure.
if ! npm run build; then
  echo "test.sh: the build failed (npm run build); no tests ran" >&2
  echo "0 passed, 0 failed"
  exit 1
fi

# 2. The tests. bun writes its report on stderr: copy it to a log (the console still shows it)
# and keep bun's own exit status.
if [ -t 2 ]; then export FORCE_COLOR=1; fi
{
  bash "$root/scripts/with-keyring.sh" "$bun" test --timeout 60000 --reporter=junit --reporter-outfile="$junit" "$@" 2>&1 1>&3 3>&- |
    tee "$log" >&2
  status=${PIPESTATUS[0]}
} 3>&1

# 3. The counts: the root <testsuites> element of the JUnit report.
attr() { # attr NAME -> the NAME="..." attribute of the root element, 0 when absent
  local value
  value="$(tr '\n' ' ' <"$junit" | grep -o '<testsuites[^>]*>' | head -n 1 | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]\+')"
  echo "${value:-0}"
}
tests=0 failures=0 errors=0 skipped=0
if [ -s "$junit" ]; then
  tests=$(attr tests) failures=$(attr failures) errors=$(attr errors) skipped=$(attr skipped)
else
  echo "test.sh: bun test wrote no JUnit report" >&2
fi
failed=$((failures + errors))
passed=$((tests - failed - skipped))
# Errors outside any test (a test file that fails to load, an unhandled rejection) are missing from
# the JUnit report but counted in bun's own summary (" N fail"): keep the larger count.
console_failed="$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ *[0-9]+ fail$' | tail -n 1 | grep -o '[0-9]\+' || true)"
if [ -n "$console_failed" ] && [ "$console_failed" -gt "$failed" ]; then failed=$console_failed; fi
if [ "$passed" -lt 0 ]; then passed=0; fi

summary="$passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then summary="$summary, $skipped skipped"; fi

rc=0
if [ "$status" -ne 0 ] || [ "$failed" -gt 0 ] || [ "$tests" -eq 0 ]; then rc=1; fi
if [ "$tests" -eq 0 ]; then echo "test.sh: no tests ran" >&2; fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then echo "test.sh: bun test exited with status $status" >&2; fi
echo "$summary"
exit "$rc"
