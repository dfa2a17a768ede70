#!/usr/bin/env bash
# Builds the project and runs every benchmark once, side by side, writing benchmarks/results/.
# Usage: benchmarks/run.sh [java executable]   (default: java on the PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${1:-java}
mvn -B -q -DskipTests clean install
"$JAVA" -jar benchmarks/target/benchmarks.jar app/target/scard.jar benchmarks/results
