#!/usr/bin/env bash
# Debian packages the tests need: Chromium (offline-site check) and R with survival (reference values).
# Installed with apt-get when missing and running as root; otherwise say what to install and fail.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium chromium-driver)
if ! command -v Rscript >/dev/null 2>&1 \
   || ! Rscript -e 'quit(status = !all(c("survival", "jsonlite", "data.table") %in% rownames(installed.packages())))' >/dev/null 2>&1; then
  missing+=(r-base-core r-cran-survival r-cran-jsonlite r-cran-data.table)
fi
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "[sysdeps] installing with apt-get: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "[sysdeps] done"
