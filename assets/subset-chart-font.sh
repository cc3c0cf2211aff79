#!/usr/bin/env bash
# Regenerates assets/chart-font-subset.otf, the font of the /stats chart: Noto Sans CJK SC
# Regular (SIL OFL 1.1, see chart-font-LICENSE.txt) cut down to printable ASCII and the
# characters the chart can draw, which `cargo run -p tutor-bench --bin chart-chars` prints from the
# catalogue. Run it after changing a chart text in src/view/catalogue.rs; the tests of
# src/view/chart.rs fail until the subset covers every chart text again.
#
# Needs fonttools (`pip install fonttools`, e.g. in a venv) and the full font, by default
# Debian's fonts-noto-cjk (`apt-get install fonts-noto-cjk`, or without installing it:
# `apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb x` and pass
# x/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc). Usage:
#   assets/subset-chart-font.sh [NotoSansCJK-Regular.ttc | NotoSansCJKsc-Regular.otf]
set -euo pipefail
cd "$(dirname "$0")/.."

source_font=${1:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
pyftsubset=${PYFTSUBSET:-pyftsubset}
[ -f "$source_font" ] || { echo "no font at $source_font" >&2; exit 1; }

# In the collection Noto Sans CJK SC is font 2 (JP, KR, SC, TC, HK, then the Mono ones).
font_number=()
case $source_font in
  *.ttc) font_number=(--font-number=2) ;;
esac

chars=$(mktemp)
trap 'rm -f "$chars"' EXIT
cargo run --quiet --locked -p tutor-bench --bin chart-chars >"$chars"

# No layout tables or hints: plotters draws glyph by glyph, unhinted. All name records
# stay, so the copyright and licence notices travel inside the font too.
"$pyftsubset" "$source_font" "${font_number[@]}" \
  --text-file="$chars" --unicodes=U+0020-007E \
  --layout-features= --no-hinting --name-IDs='*' --name-languages='*' \
  --output-file=assets/chart-font-subset.otf
ls -l assets/chart-font-subset.otf
