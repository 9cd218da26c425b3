#!/usr/bin/env bash
# Installs Debian packages for a CI stage: bash .ci/install-packages.sh PKG...
# (as root, or through sudo; no recommended extras).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
