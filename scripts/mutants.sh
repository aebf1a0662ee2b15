#!/usr/bin/env bash
# Mutation testing of the engine's pure modules, and of the ones that guard against hostile input
# (service files, child processes, target URLs): cargo-mutants changes their code one mutant at
# a time (a `<` into `<=`, a body into `Default::default()` …) and runs authtray-core's unit
# tests (`--lib`) against each; a mutant the tests do not catch is a rule no test pins down.
# About 20 minutes on 2 cores for the pure modules (service, process and target not yet timed);
# CI does not run it. Figures go into docs/reliability.md.
#
#   scripts/mutants.sh [extra cargo-mutants args]     e.g. --iterate -j 2 (skip what a previous run caught)
#   MUTANTS_FILES="service process" scripts/mutants.sh  only those modules
#
# Results: mutants.out/ (caught.txt, missed.txt, timeout.txt, unviable.txt); a summary per file
# is printed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export PATH="$HOME/.cargo/bin:$PATH"
version=27.1.0
if [ "$(cargo mutants --version 2>/dev/null)" != "cargo-mutants $version" ]; then
  echo "[mutants] installing cargo-mutants $version" >&2
  cargo install cargo-mutants --version "$version" --locked >&2
fi
read -r -a files <<< "${MUTANTS_FILES:-token duration mirror health glance verdict alerts service process target}"
args=()
for f in "${files[@]}"; do args+=(-f "crates/authtray-core/src/$f.rs"); done
status=0
cargo mutants --package authtray-core --timeout 120 "${args[@]}" "$@" -- --lib || status=$?
# cargo-mutants exits 2 when mutants were missed, 3 on timeouts: report, then pass that on.
python3 - <<'PY'
import collections, re, pathlib
out = pathlib.Path("mutants.out")
rows = collections.defaultdict(lambda: collections.Counter())
# With --iterate, what earlier runs caught is in previously_caught.txt.
for name, outcome in (("caught", "caught"), ("previously_caught", "caught"), ("missed", "missed"), ("timeout", "timeout"), ("unviable", "unviable")):
    p = out / f"{name}.txt"
    if not p.exists():
        continue
    for line in p.read_text().splitlines():
        m = re.match(r"([^:]+):\d+", line)
        if m:
            rows[m.group(1)][outcome] += 1
print(f"{'file':45} caught missed timeout unviable  caught%")
total = collections.Counter()
for f in sorted(rows):
    c = rows[f]
    total.update(c)
    viable = c["caught"] + c["missed"] + c["timeout"]
    pct = 100 * (c["caught"] + c["timeout"]) / viable if viable else 100
    print(f"{f:45} {c['caught']:6} {c['missed']:6} {c['timeout']:7} {c['unviable']:8}  {pct:6.1f}")
viable = total["caught"] + total["missed"] + total["timeout"]
if viable:
    print(f"{'all':45} {total['caught']:6} {total['missed']:6} {total['timeout']:7} {total['unviable']:8}  {100 * (total['caught'] + total['timeout']) / viable:6.1f}")
PY
exit $status
