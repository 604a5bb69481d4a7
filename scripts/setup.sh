#!/usr/bin/env bash
# Set up scoper on a fresh Debian-like machine: system libraries for WeasyPrint, then a
# virtual environment in .venv with scoper and its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# WeasyPrint needs Pango; libharfbuzz-subset0 makes its font subsetting about 5x faster;
# DejaVu is the fallback for scripts the theme's font lacks; poppler-utils gives pdftoppm
# for looking at papers as images.
debs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils)
if [[ "${SCOPER_WITH_BENCH:-}" == 1 ]]; then
  debs+=(pandoc hyperfine time)
fi

missing=()
for deb in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "install ok installed" || missing+=("$deb")
done
if ((${#missing[@]})); then
  if command -v apt-get >/dev/null; then
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null || {
      # Only Pango is essential; the rest make things faster or nicer.
      echo "setup: could not install all of ${missing[*]}; continuing" >&2
    }
  else
    echo "setup: no apt-get; make sure Pango is installed (see README)" >&2
  fi
fi

python=${PYTHON:-python3}
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
echo "setup: ready; run .venv/bin/scoper --help"
