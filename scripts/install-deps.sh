#!/usr/bin/env bash
# Installs the system packages the project needs, only those missing. Debian/Ubuntu, as root or via sudo.
#   scripts/install-deps.sh            build and run dependencies
#   scripts/install-deps.sh --test     plus what the test suite needs
#   scripts/install-deps.sh --bench    plus what the benchmarks need
#   scripts/install-deps.sh --profile  plus what scripts/startup-order.sh needs
set -euo pipefail

packages=(pkg-config libpq-dev libcurl4-openssl-dev libssl-dev postgresql ffmpeg)
if [[ "${1:-}" == "--test" ]]; then
    packages+=(python3 python3-pip chromium chromium-driver pgbouncer)
elif [[ "${1:-}" == "--bench" ]]; then
    packages+=(wrk python3 python3-pip pgbouncer)
elif [[ "${1:-}" == "--profile" ]]; then
    packages+=(valgrind python3)
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || { echo "error: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
        sudo="sudo"
    fi
    echo "installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

modules=()
if [[ "${1:-}" == "--test" ]]; then
    modules=(openapi_spec_validator:openapi-spec-validator selenium:selenium schemathesis:schemathesis)
elif [[ "${1:-}" == "--bench" ]]; then
    # The seed stack the benchmark measures the list route against (--seed-peer), and the
    # durable-workflow peer it measures the engine against (--dbos-peer).
    modules=(fastapi:fastapi uvicorn:uvicorn[standard] asyncpg:asyncpg orjson:orjson dbos:dbos)
fi
if ((${#modules[@]})); then
    for module in "${modules[@]}"; do
        if ! python3 -c "import ${module%%:*}" 2>/dev/null; then
            echo "installing: ${module##*:} (PyPI)"
            python3 -m pip install --quiet "${module##*:}" 2>/dev/null || python3 -m pip install --quiet --break-system-packages "${module##*:}"
        fi
    done
fi

if ! command -v swift >/dev/null; then
    echo "error: the Swift 6 toolchain is not on PATH (https://www.swift.org/install/linux/)" >&2
    exit 1
fi
