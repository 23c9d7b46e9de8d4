#!/usr/bin/env sh
# Makes sure Debian's Chromium is at /usr/bin/chromium for the browser example's test
# (examples/browser drives it headless with playwright-core). Installs it when we are root and
# apt-get exists; otherwise says what to install and fails.
set -eu
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "chromium: $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null | head -n 1))"
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium: $CHROMIUM is missing, installing the Debian package"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
  if [ -x "$CHROMIUM" ]; then exit 0; fi
  echo "chromium: installed, but $CHROMIUM is still missing (set CHROMIUM_PATH)" >&2
  exit 1
fi
echo "chromium: $CHROMIUM is missing. Install Debian's Chromium as root:" >&2
echo "  apt-get update && apt-get install -y chromium" >&2
echo "(or point CHROMIUM_PATH at a Chromium binary)" >&2
exit 1
