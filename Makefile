.PHONY: run test build

# Start the system: embedded Postgres, mock Claude and providers; prints the dashboard URL and API key.
run:
	scripts/install-deps.sh
	swift build
	.build/debug/tiktok-army serve

# Run every test.
test:
	scripts/test.sh

build:
	swift build
