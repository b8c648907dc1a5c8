#!/usr/bin/env bash
# Whole-process wall time of `meshdig diff` on shipped fixtures, measured with hyperfine.
#
#   bash benches/diff.sh             # every fixture's question (fixtures/questions.tsv) and its name in
#                                    # every relative form (fixtures/forms.tsv), markdown on stdout
#   RUNS=500 bash benches/diff.sh    # more runs per question
#
# Needs hyperfine (Debian: apt-get install hyperfine). Builds the release binary first.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install hyperfine" >&2; exit 2; }
cargo build --release --locked --quiet
runs=${RUNS:-200}
report=$(mktemp)
trap 'rm -f "$report"' EXIT

commands=()
while IFS=$'\t' read -r fixture args; do
  case "$fixture" in ''|'#'*) continue ;; esac
  commands+=("target/release/meshdig diff $args --snapshot fixtures/$fixture -o json")
done < fixtures/questions.tsv
# Every fixture's name as users type it, walked through the search list (fixtures/forms.tsv).
while IFS=$'\t' read -r fixture forms args; do
  case "$fixture" in ''|'#'*) continue ;; esac
  for form in $forms; do
    case "$form" in *.) continue ;; esac
    commands+=("target/release/meshdig diff $form $args --snapshot fixtures/$fixture -o json")
  done
done < fixtures/forms.tsv

# Exit codes 1 and 3 are verdicts, not failures.
hyperfine --shell=none --warmup 20 --runs "$runs" --ignore-failure \
  --export-markdown "$report" "${commands[@]}" >&2
cat "$report"
