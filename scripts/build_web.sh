#!/usr/bin/env bash
# Builds every front end under web/ (and installs miniprogram/'s test tools) from the npm registry with
# the machine's Node.js: `npm ci` from the committed lock, then `npm run build` into <dir>/dist.
# A stamp newer than every source file makes a second run a no-op. Nothing is fetched at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v npm >/dev/null || { echo "build_web: npm not found (Node.js 18+ is needed for the web pages)" >&2; exit 1; }
for pkg in web/*/package.json miniprogram/package.json; do
  [ -f "$pkg" ] || continue
  dir=$(dirname "$pkg")
  stamp="$dir/node_modules/.build-stamp"
  if [ -f "$stamp" ] && [ -z "$(find "$dir" -path "$dir/node_modules" -prune -o -path "$dir/dist" -prune \
      -o -type f -newer "$stamp" -print -quit)" ]; then
    continue
  fi
  echo "== $dir: npm ci"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  if grep -q '"build"' "$pkg"; then
    echo "== $dir: npm run build"
    (cd "$dir" && npm run build --silent)
  fi
  touch "$stamp"
done
