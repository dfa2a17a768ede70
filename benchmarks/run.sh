#!/usr/bin/env bash
# Builds the project and runs every benchmark, writing benchmarks/results/:
#   summary.md, jmh.json  the in-process simulator (JMH) and the distribution's start-up
#   file-read.md          reading a 32 KiB file through ISCardFileAccess vs the same APDUs by hand (JMH)
#   apdu-counts.md        APDUs per shell file command (cat, update, info, ls) on the sample card: counted, not timed
#   remote.md             remote readers through the remote backend, its host a JVM over loopback (scard.tcp),
#                         vs the same card locally (a new section at the top each run)
#   swap.md               how long consumers take to see a new default backend (scard:use, Config Admin)
#   reliability.md        the reliability soak: lock exclusivity and atomic T=0 exchanges under 8 threads x 4
#                         managers (simulator, and through pcscd when it runs), attach/detach leaks; SOAK_SECONDS
#                         per scenario (default 120)
#   pcsc.md               impl-pcsc vs javax.smartcardio vs C through a real pcscd (needs pcscd with the vpcd
#                         driver, gcc and libpcsclite-dev: as .ci/run installs them; skipped with a message otherwise)
# Usage: benchmarks/run.sh [java executable]   (default: java on the PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${1:-java}
mvn -B -q -DskipTests clean install
"$JAVA" -jar benchmarks/target/benchmarks.jar app/target/scard.jar benchmarks/results
"$JAVA" -cp benchmarks/target/benchmarks.jar dev.scard.benchmarks.FileReadBenchmark benchmarks/results
"$JAVA" -cp benchmarks/target/benchmarks.jar dev.scard.benchmarks.ApduCountBenchmark benchmarks/results
"$JAVA" -cp benchmarks/target/benchmarks.jar dev.scard.benchmarks.SwapBenchmark app/target/scard.jar benchmarks/results

# remote.md: remote readers (a host JVM over loopback) against the same card locally
"$JAVA" -cp benchmarks/target/benchmarks.jar dev.scard.benchmarks.RemoteBenchmark app/target/scard.jar benchmarks/results

SOAK_SECONDS=${SOAK_SECONDS:-120}
"$JAVA" -cp benchmarks/target/benchmarks.jar dev.scard.benchmarks.ReliabilitySoak benchmarks/results "$SOAK_SECONDS" \
    || echo "the reliability soak saw problems: see benchmarks/results/reliability.md" >&2

if [ -S /run/pcscd/pcscd.comm ] && command -v gcc > /dev/null && pkg-config --exists libpcsclite; then
    gcc -O2 -Wall -o benchmarks/target/pcsc_bench benchmarks/src/main/c/pcsc_bench.c \
        $(pkg-config --cflags --libs libpcsclite)
    "$JAVA" -cp benchmarks/target/benchmarks.jar dev.scard.benchmarks.PcscBenchmark \
        benchmarks/target/pcsc_bench benchmarks/results 0.5 31
else
    echo "PC/SC benchmarks skipped: they need a running pcscd with the vpcd driver, gcc and libpcsclite-dev" >&2
fi
