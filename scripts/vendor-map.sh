#!/usr/bin/env bash
# Refresh the vendored map libraries under server/static/vendor/map/: d3-geo (projection and path),
# its dependency d3-array, topojson-client (TopoJSON -> GeoJSON) and world-atlas (Natural Earth
# 1:110m countries). The map is drawn in the browser from these files alone: no tile server, no
# network. This script is the only way they change. Usage: scripts/vendor-map.sh
set -euo pipefail

PACKAGES=("d3-array@3.2.4" "d3-geo@3.1.1" "topojson-client@3.1.0" "world-atlas@2.0.2")
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/server/static/vendor/map"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$DEST"
rm -f "$DEST"/*
: > "$DEST/VERSION"
for spec in "${PACKAGES[@]}"; do
  name="${spec%@*}"
  mkdir -p "$WORK/$name"
  (cd "$WORK/$name" && tar xzf "$(npm pack --silent "$spec")")
  pkg="$WORK/$name/package"
  licence="$(node -p "require('$pkg/package.json').license")"
  case "$licence" in
    ISC | MIT) ;;
    *) echo "vendor-map: $spec is licensed $licence: review before vendoring" >&2; exit 1 ;;
  esac
  case "$name" in
    world-atlas) cp "$pkg/countries-110m.json" "$DEST/countries-110m.json" ;;
    *) sed '/^\/\/# sourceMappingURL=/d' "$pkg/dist/$name.min.js" > "$DEST/$name.min.js" ;;
  esac
  # each package's own licence text, as published
  cp "$pkg/LICENSE" "$DEST/LICENSE.$name"
  echo "$spec $licence" >> "$DEST/VERSION"
done
echo "vendored into $DEST:"
cat "$DEST/VERSION"
