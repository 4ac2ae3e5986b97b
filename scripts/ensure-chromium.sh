#!/usr/bin/env bash
# Installs Debian's Chromium for the end-to-end tests and the UI benchmark (idempotent).
# Never a downloaded browser: playwright-core drives /usr/bin/chromium from the Debian package.
set -euo pipefail
CHROMIUM=${WAGGLE_CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
"$CHROMIUM" --version
