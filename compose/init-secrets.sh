#!/usr/bin/env bash
# Generate the MySQL password the compose stack's secret points at, once (owner-only file).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${SOUK_HOME:-$repo/var}/containers/secrets"
file="$dir/mysql-password"
[[ -s $file ]] && { echo "init-secrets: $file exists"; exit 0; }
mkdir -p "$dir" && chmod 700 "$dir"
umask 077
python3 -c 'import secrets; print(secrets.token_urlsafe(24))' >"$file.tmp"
mv "$file.tmp" "$file"
echo "init-secrets: wrote $file"
