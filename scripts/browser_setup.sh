#!/usr/bin/env bash
# A visible, idempotent step of `make test` (README, "Tests"): Debian's Chromium for the browser tests
# and CJK fonts (for the pages and the PDFs) from Debian's packages — never a downloaded browser.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || need+=(fonts-droid-fallback)
# digits and Latin letters of the PDFs (api/documents/pdf.py): Droid Sans Fallback has none
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then
  echo "browser setup: chromium and CJK fonts present"
  exit 0
fi
echo "browser setup: installing ${need[*]} with apt-get (Debian's packages)"
sudo_=""
[ "$(id -u)" = 0 ] || sudo_="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo_ apt-get update -q >/dev/null 2>&1 || $sudo_ apt-get update -q
$sudo_ apt-get install -y -q --no-install-recommends "${need[@]}"
