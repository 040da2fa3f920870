#!/usr/bin/env bash
# Print the path of a Python interpreter of the wanted minor version (e.g. 3.10), or explain how
# to get one. Looks in pyenv first (these machines have it), then on PATH.
set -euo pipefail
want="$1"
check() { [ -x "$1" ] && [ "$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$want" ]; }
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E "^${want//./\\.}(\.[0-9]+)?$" | sort -V -r); do
    candidate="$(pyenv root)/versions/$v/bin/python"
    if check "$candidate"; then echo "$candidate"; exit 0; fi
  done
fi
for name in "python$want" python3 python; do
  candidate="$(command -v "$name" 2>/dev/null || true)"
  if [ -n "$candidate" ] && check "$candidate"; then echo "$candidate"; exit 0; fi
done
echo "Python $want was not found (looked in pyenv and on PATH)." >&2
echo "Install it, for example: pyenv install $want  (or apt-get install python$want python$want-venv)" >&2
exit 1
