#!/usr/bin/env bash
# Installs the Debian packages tsuchi needs: PDF tools, the PKCS#11 test token, NSS tools for
# pdfsig trust, Japanese fonts and Chromium for browser tests. Idempotent: it only calls apt-get
# when a command or package is missing.
set -euo pipefail

packages=(poppler-utils qpdf softhsm2 opensc libnss3-tools fonts-ipaexfont chromium gettext)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "tsuchi setup: please install these Debian packages: ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
echo "tsuchi setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
