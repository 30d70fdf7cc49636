#!/usr/bin/env bash
# Install the Debian packages that `make run` or `make test` need, only those missing.
#
#   scripts/system-packages.sh run    fonts for the PDF receipts, pcscd and vsmartcard-vpcd (the
#                                     demo's virtual My Number Card at the counter)
#   scripts/system-packages.sh test   + chromium and CJK fonts (browser tests), npm (axe-core),
#                                     gettext (translation checks), nginx (tests through a real
#                                     proxy), clamd (virus scanning), redis-server (shared rate limits),
#                                     poppler-utils (reading the mail-in PDFs)
#   scripts/system-packages.sh build  only what `pip install -e '.[dev]'` compiles against:
#                                     swig and libpcsclite-dev for pyscard (the card agent's PC/SC
#                                     binding has no Linux wheel); run and test include them
#
# A fresh Debian machine has none of them; the README's two commands call this script so that
# they alone are enough. Nothing is skipped silently: if a package cannot be installed, the
# script says which and exits non-zero.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

mode="${1:-test}"
missing=()

need_file() { [ -e "$1" ] || missing+=("$2"); }
need_command() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }

need_command swig swig
need_file /usr/include/PCSC/winscard.h libpcsclite-dev
if [ "$mode" != build ]; then
  need_file /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf fonts-ipaexfont-gothic
  need_file /usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf fonts-ipaexfont-mincho
  # The virtual My Number Card in a real reader: `make run` (the counter demo) and the pcsc
  # tests start their own pcscd, which loads vpcd's two virtual readers.
  need_file /usr/sbin/pcscd pcscd
  need_file /etc/reader.conf.d/vpcd vsmartcard-vpcd
fi
if [ "$mode" = test ]; then
  need_command chromium chromium
  # grep without -q reads to the end: with pipefail, -q would make fc-list die of SIGPIPE.
  fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || missing+=(fonts-noto-cjk)
  need_command xgettext gettext
  need_command npm npm
  need_command nginx nginx-light
  need_command clamd clamav-daemon
  need_command redis-server redis-server
  # pdftotext and pdftoppm: the mail-in PDF tests read its text and rasterise its QR code.
  need_command pdftoppm poppler-utils
fi

[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
# Package lists may be missing or stale on a fresh machine.
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" || {
  echo "ERROR: could not install ${missing[*]}; install them with apt-get and run again." >&2
  exit 1
}
# Debian starts some daemons on install where it can; the tests run their own instances.
