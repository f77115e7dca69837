#!/usr/bin/env bash
# Refresh the vendored YASGUI (npm package @zazuko/yasgui) under server/static/vendor/yasgui/.
# The query UI must work with no internet, so the app serves these files itself; this script is the
# only way they change. Usage: scripts/vendor-yasgui.sh [VERSION]   (default: the version pinned below)
set -euo pipefail

VERSION="${1:-4.6.2}"
PACKAGE="@zazuko/yasgui"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/server/static/vendor/yasgui"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
TARBALL="$(npm pack --silent "$PACKAGE@$VERSION")"
tar xzf "$TARBALL"
LICENSE_ID="$(node -p "require('./package/package.json').license")"
AUTHOR="$(node -p "require('./package/package.json').author")"
HOMEPAGE="$(node -p "require('./package/package.json').homepage")"
if [ "$LICENSE_ID" != "MIT" ]; then
  echo "vendor-yasgui: $PACKAGE@$VERSION is licensed $LICENSE_ID, not MIT: review before vendoring" >&2
  exit 1
fi

mkdir -p "$DEST"
rm -f "$DEST"/*
# The UMD bundle carries its dependencies (CodeMirror, DOMPurify, ...); the source map is left out (3.6 MB).
sed '/^\/\/# sourceMappingURL=/d' package/build/yasgui.min.js > "$DEST/yasgui.min.js"
cp package/build/yasgui.min.css "$DEST/yasgui.min.css"
cp package/package.json "$DEST/package.json"

# The npm tarball ships no licence file; package.json declares MIT. Record the terms with the files.
cat > "$DEST/LICENSE" <<LICENSE
$PACKAGE $VERSION — $HOMEPAGE
Declared licence (package.json "license"): $LICENSE_ID. Author: $AUTHOR; contributors: Zazuko GmbH.
The bundle also contains its npm dependencies (see package.json "dependencies"), each under its own
permissive licence as published on npm.

MIT License

Copyright (c) Triply B.V. and Zazuko GmbH

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
LICENSE

{
  echo "package=$PACKAGE"
  echo "version=$VERSION"
  echo "license=$LICENSE_ID"
  echo "tarball=$TARBALL"
  (cd "$DEST" && sha256sum yasgui.min.js yasgui.min.css | sed 's/^/sha256 /')
} > "$DEST/VERSION"
echo "vendored $PACKAGE@$VERSION into ${DEST#"$ROOT"/}"
