#!/usr/bin/env bash
# Checks the layer rule: a folder's sources include only from its own layer or the layers below it.
set -euo pipefail
root=${1:-$(dirname "$0")/../..}
cd "$root"
# layer -> the folders its files may include from (besides system and FFmpeg headers)
declare -A may=(
  [base]="base"
  [include/isopipe]="isopipe"
  [codecs]="isopipe codecs"
  [runtime]="isopipe runtime"
  [profiling]="isopipe runtime profiling"
  [pipeline]="isopipe runtime profiling codecs pipeline"
  [tools/isopipe]="isopipe runtime profiling codecs pipeline tools/isopipe"
  [tools/mkclip]="isopipe codecs tools/mkclip"
)
bad=0 n=0
for layer in "${!may[@]}"; do
  while IFS= read -r f; do
    n=$((n + 1))
    while IFS= read -r inc; do
      ok=0
      for dir in base ${may[$layer]}; do
        case "$inc" in "$dir"/*) ok=1 ;; esac
      done
      # A file may include a header beside it by its bare name.
      case "$inc" in */*) ;; *) [ -f "$(dirname "$f")/$inc" ] && ok=1 ;; esac
      if [ $ok -eq 0 ]; then
        echo "layer violation: $f includes \"$inc\" (${layer} may use: ${may[$layer]})"
        bad=$((bad + 1))
      fi
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
  done < <(find "$layer" -maxdepth 2 -name '*.[ch]' -not -path 'tools/*/*/*')
done
echo "checked $n files: $bad layer violations"
[ $bad -eq 0 ] && [ $n -gt 50 ]
