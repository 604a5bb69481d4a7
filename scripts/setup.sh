#!/usr/bin/env bash
# Set up scoper on a fresh Debian-like machine: system libraries for WeasyPrint, then a
# virtual environment in .venv with scoper and its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}

# Required: Pango for WeasyPrint, and venv for the environment (Debian splits it out).
required=(libpango-1.0-0 libpangoft2-1.0-0)
"$python" -c "import ensurepip, venv" 2>/dev/null || required+=(python3-venv)
# Wanted: libharfbuzz-subset0 makes font subsetting about 5x faster; DejaVu is the fallback
# for scripts the theme's font lacks; poppler-utils gives pdftoppm, to look at papers;
# chromium is the browser the preview's tests drive (Playwright uses it; it downloads none).
# libcairo2 lets cairosvg draw a brief's SVG images into Word papers; LibreOffice (Writer,
# headless) is the second Word reader the tests convert Word papers with.
wanted=(libharfbuzz-subset0 fonts-dejavu-core poppler-utils chromium libcairo2
  libreoffice-writer-nogui)
# npm installs axe-core, which the accessibility tests run in Chromium.
command -v npm >/dev/null || wanted+=(nodejs npm)
if [[ "${SCOPER_WITH_BENCH:-}" == 1 ]]; then
  wanted+=(pandoc)
fi

missing() {
  local deb
  for deb in "$@"; do
    dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "install ok installed" || echo "$deb"
  done
}

apt_install() {  # apt_install required|wanted PACKAGE...
  local kind=$1; shift
  (($#)) || return 0
  if ! command -v apt-get >/dev/null; then
    echo "setup: no apt-get; install $* (or your system's equivalents) by hand" >&2
    [[ $kind == wanted ]] || exit 1
    return 0
  fi
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  if [[ -z "${apt_updated:-}" ]]; then
    $sudo apt-get update -qq
    apt_updated=1
  fi
  echo "setup: installing $*"
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
    if [[ $kind == required ]]; then
      echo "setup: could not install $*" >&2
      exit 1
    fi
    # Install what this release has, one at a time, and carry on without the rest.
    for deb in "$@"; do
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$deb" \
        >/dev/null 2>&1 || echo "setup: $deb is not available here; continuing without it" >&2
    done
  fi
}

mapfile -t need < <(missing "${required[@]}")
apt_install required "${need[@]}"
mapfile -t need < <(missing "${wanted[@]}")
apt_install wanted "${need[@]}"

if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
extras="test"
[[ "${SCOPER_WITH_BENCH:-}" == 1 ]] && extras="test,bench"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
# An editable install leaves scoper's own modules uncompiled; compile them as a wheel
# install would, since Python may be told not to write bytecode while running.
.venv/bin/python -m compileall -q scoper
# axe-core, which the accessibility tests run in Chromium, from the npm registry.
if command -v npm >/dev/null; then
  npm ci --no-audit --no-fund --silent >/dev/null || echo "setup: npm ci failed; the accessibility tests need axe-core" >&2
else
  echo "setup: no npm; the accessibility tests need Node.js and npm for axe-core" >&2
fi
echo "setup: ready; run .venv/bin/scoper --help"
