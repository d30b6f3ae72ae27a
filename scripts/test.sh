#!/usr/bin/env bash
# Runs every test: architecture check, `swift format lint` (.swift-format), the Swift suites against a real embedded Postgres, the
# dashboard in headless Chromium, and the reliability suites against real server processes.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
python3 scripts/check-architecture.py
swift format lint --strict --recursive --parallel Sources Tests Package.swift

export TEST_DATA_DIR="${TEST_DATA_DIR:-$PWD/.data/test}"
stop_clusters() {
    for dir in "$TEST_DATA_DIR" "$TEST_DATA_DIR-restart" "$PWD/.data/browser" "$PWD/.data/cli" "$PWD"/.data/reliability/*; do
        [[ -d "$dir" ]] && .build/debug/tiktok-army db stop --data-dir "$dir" >/dev/null 2>&1 || true
    done
}
trap stop_clusters EXIT

swift build --build-tests
# The suites' cluster started and migrated first: otherwise the first test to reach it holds a
# cooperative thread through initdb and every migration, and on two cores the other tests wait.
.build/debug/tiktok-army db start --data-dir "$TEST_DATA_DIR" >/dev/null
swift test --skip-build "$@"

# The operator's console commands (migrate, run, runs, approvals, approve) on an embedded cluster.
python3 tests/cli/test_cli.py

# The dashboard in headless Chromium (screenshots land in artifacts/).
python3 tests/browser/test_dashboard.py

# Kill, Postgres restart, load, bad bodies and schemathesis, against `serve` processes.
python3 tests/reliability/reliability.py
