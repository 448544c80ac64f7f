#!/usr/bin/env bash
# Re-fetch the vendored Chart.js used by the web dashboard (src/staffplan/api/static/vendor/).
#
# The tarball comes from the npm registry (`npm pack`, no CDN), pinned by version and checked
# against pinned sha256 digests of the tarball and of the copied file. To upgrade, change
# VERSION, run with UPDATE=1 to print the new digests, review them, then pin them below.
set -euo pipefail

VERSION="4.5.1"
TARBALL_SHA256="f540d98468457ac7a0aabb32006dfb066297e096c5ea063a5d80aa973d1c337a"
FILE_SHA256="48444a82d4edcb5bec0f1965faacdde18d9c17db3063d042abada2f705c9f54a"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/src/staffplan/api/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "chart.js@${VERSION}" >/dev/null
TARBALL="chart.js-${VERSION}.tgz"
tar -xzf "$TARBALL"

got_tar="$(sha256sum "$TARBALL" | cut -d' ' -f1)"
got_file="$(sha256sum package/dist/chart.umd.min.js | cut -d' ' -f1)"
if [[ "${UPDATE:-0}" == "1" ]]; then
    echo "TARBALL_SHA256=\"$got_tar\""
    echo "FILE_SHA256=\"$got_file\""
    exit 0
fi
if [[ "$got_tar" != "$TARBALL_SHA256" ]]; then
    echo "sha256 mismatch for $TARBALL: got $got_tar, want $TARBALL_SHA256" >&2
    exit 1
fi
if [[ "$got_file" != "$FILE_SHA256" ]]; then
    echo "sha256 mismatch for dist/chart.umd.min.js: got $got_file, want $FILE_SHA256" >&2
    exit 1
fi

mkdir -p "$DEST"
cp package/dist/chart.umd.min.js "$DEST/chart.umd.min.js"
cp package/LICENSE.md "$DEST/LICENSE.chartjs.md"
cat >"$DEST/README.md" <<README
# Vendored front-end libraries

The dashboard runs without network access, so its one library is stored here.

| file | library | version | source | sha256 |
|---|---|---|---|---|
| chart.umd.min.js | Chart.js (MIT, see LICENSE.chartjs.md) | ${VERSION} | npm registry, \`npm pack chart.js@${VERSION}\`, \`package/dist/chart.umd.min.js\` | \`${FILE_SHA256}\` |

The npm tarball \`chart.js-${VERSION}.tgz\` has sha256 \`${TARBALL_SHA256}\`.
Re-fetch (and verify) with \`scripts/vendor_chartjs.sh\`; do not edit these files by hand.
README
echo "Chart.js ${VERSION} copied to $DEST (sha256 $got_file)"
