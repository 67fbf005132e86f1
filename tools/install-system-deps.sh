#!/bin/sh
# Installs the system libraries Qt needs (and Xvfb/xdotool for the real-window tests)
# on Debian/Ubuntu when they are missing and we may use apt-get; otherwise says what is missing.
PACKAGES="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
libxcb-render-util0 libxcb-image0 libxcb-xkb1 fonts-dejavu-core xvfb xdotool x11-utils imagemagick
appstream desktop-file-utils"

command -v dpkg-query >/dev/null 2>&1 || { echo "not a Debian system: install Qt's xcb/EGL libraries, Xvfb and xdotool yourself"; exit 0; }
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else
  echo "missing system packages:$missing (no permission to install; real-window tests will be skipped)"; exit 0; fi
echo "installing system packages:$missing"
$SUDO apt-get update -qq >/dev/null 2>&1
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 \
  || echo "could not install some of:$missing (real-window tests may be skipped)"
exit 0
