.PHONY: run test build reliability bench

# Start the system: embedded Postgres, mock Claude and providers; prints the dashboard URL and API key.
run:
	scripts/install-deps.sh
	swift build --product tiktok-army
	.build/debug/tiktok-army serve

# Run every test.
test:
	scripts/test.sh

build:
	swift build

# The reliability suites alone (SIGKILL, Postgres restart, load, bad bodies, schemathesis).
reliability:
	scripts/install-deps.sh --test
	swift build
	python3 tests/reliability/reliability.py

# Benchmarks against same-run baselines, on the release build linked as the image links the
# server (the Swift runtime and Foundation static; needs wrk for the HTTP part).
# The peers: make bench BENCH_ARGS="--seed-peer path/to/seedpeer.py --dbos-peer path/to/dbospeer.py"
bench:
	scripts/install-deps.sh --bench
	swift build -c release --product tiktok-army-bench --static-swift-stdlib
	.build/release/tiktok-army-bench $(BENCH_ARGS)
