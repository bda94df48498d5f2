#!/usr/bin/env bash
# Packs every package, installs the tarballs into an empty folder with plain npm,
# and runs a program that uses Process, Queue and Pool from them: what a user
# who installs from the registry would get.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
rm -rf "$root/dist-tarballs"
(cd "$root" && npx --yes pnpm@10.34.8 -r --filter './packages/*' pack --pack-destination "$root/dist-tarballs" >/dev/null)
for t in "$root"/dist-tarballs/*.tgz; do
  files="$(tar tzf "$t")"
  grep -q 'package/dist/index.d.ts' <<<"$files" || { echo "no .d.ts in $t"; exit 1; }
  grep -q 'package/dist/index.js' <<<"$files" || { echo "no built JS in $t"; exit 1; }
done
cd "$out"
npm init -y >/dev/null
npm pkg set type=module
npm install --no-audit --no-fund "$root"/dist-tarballs/*.tgz >/dev/null 2>&1
cp "$root"/scripts/pack-smoke/*.mjs .
timeout 60 node main.mjs
echo "pack smoke: ok"
