#!/bin/sh
# Regenerates the transcripts in recognise/testdata from the R scripts in gen/.
# Run from the repository root:  sh recognise/testdata/gen/run.sh [name ...]
# Each gen/<name>.R writes testdata/<name>.stdout and testdata/<name>.stderr
# (raw bytes, \r redraws included). Then regenerate the golden files with
#   go test ./recognise/ -run TestGolden -update
set -e
dir=$(dirname "$0")
cd "$dir/.."
if [ $# -eq 0 ]; then set -- $(cd gen && ls *.R | sed 's/\.R$//'); fi
for name in "$@"; do
	LC_ALL=C.UTF-8 Rscript --vanilla "gen/$name.R" >"$name.stdout" 2>"$name.stderr"
done
