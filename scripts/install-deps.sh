#!/usr/bin/env bash
# Installs the system packages oxool needs to build, run and test. Idempotent and quiet when
# everything is already there. Debian/Ubuntu (apt) and RHEL/Fedora (dnf).
#   scripts/install-deps.sh run    what `make run` needs
#   scripts/install-deps.sh test   plus what the tests and benchmarks need
set -euo pipefail
what=${1:-run}

# Debian names. LibreOffice: the full packages, not -nogui (those lack Calc's UI files), and no
# Recommends (they bring daemons, GTK and Java that LibreOfficeKit does not use).
apt_run=(libreoffice-core libreoffice-writer libreoffice-calc libreoffice-impress
         fonts-liberation2 fonts-dejavu-core libseccomp-dev pkg-config gcc libc6-dev dbus
         # fonts for every common script, docs/languages.md
         fonts-lohit-deva fonts-noto-cjk fonts-noto-color-emoji
         # spell checking: the dictionaries of the default kit.languages, settings/src/languages.rs
         hunspell-en-us hunspell-en-gb hunspell-de-de hunspell-fr hunspell-es hunspell-it
         hunspell-pt-pt hunspell-pt-br hunspell-nl hunspell-pl hunspell-ru)
apt_test=(poppler-utils bubblewrap python3-uno python3-venv strace passwd util-linux
          systemd-container mmdebstrap curl ca-certificates
          debhelper dpkg-dev lintian rpm rpmlint libxml2-utils apparmor chromium
          g++ haproxy unzip openssl)
dnf_run=(libreoffice-core libreoffice-writer libreoffice-calc libreoffice-impress
         liberation-fonts dejavu-sans-fonts libseccomp-devel pkgconf-pkg-config gcc dbus-daemon
         lohit-devanagari-fonts google-noto-sans-cjk-fonts google-noto-color-emoji-fonts
         hunspell-en-US hunspell-en-GB hunspell-de hunspell-fr hunspell-es-ES hunspell-it
         hunspell-pt hunspell-pt-BR hunspell-nl hunspell-pl hunspell-ru)
dnf_test=(poppler-utils bubblewrap libreoffice-pyuno strace shadow-utils util-linux
          systemd-container curl mmdebstrap rpm-build rpmlint libxml2 chromium
          gcc-c++ haproxy unzip openssl)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if command -v apt-get >/dev/null 2>&1; then
  wanted=("${apt_run[@]}"); [ "$what" = test ] && wanted+=("${apt_test[@]}")
  missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && exit 0
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif command -v dnf >/dev/null 2>&1; then
  wanted=("${dnf_run[@]}"); [ "$what" = test ] && wanted+=("${dnf_test[@]}")
  missing=()
  for p in "${wanted[@]}"; do rpm -q "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && exit 0
  echo "installing: ${missing[*]}"
  as_root dnf install -y -q --setopt=install_weak_deps=False "${missing[@]}"
else
  echo "install-deps: neither apt-get nor dnf found; install the packages listed in $0 by hand" >&2
  exit 1
fi
