#!/usr/bin/env bash
# Writes Sources/App/startup-order.txt: every function of the release server that runs from its
# start until it idles, as callgrind saw them in two starts (a new data dir, then the same one
# again). The release link places these functions together (Package.swift), so start-up maps a
# few megabytes of the binary's code instead of most of it. Run it after changes to what the
# server does at start; a function missing from the file only lands where the linker puts it.
#   scripts/startup-order.sh [seconds idle, default 40]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --profile

idle="${1:-40}"
swift build -c release --product tiktok-army --static-swift-stdlib
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# valgrind cannot read the Swift debug information; the symbol table stays.
strip --strip-debug -o "$work/tiktok-army" "$(swift build -c release --show-bin-path)/tiktok-army"

for start in new again; do
    echo "callgrind: the server's start ($start data dir) and ${idle} s idle"
    timeout -s INT "$((idle + 60))" valgrind --tool=callgrind --demangle=no --dump-instr=no \
        --callgrind-out-file="$work/$start.out" "$work/tiktok-army" serve --port "${STARTUP_ORDER_PORT:-18480}" \
        --data-dir "$work/data" >"$work/$start.log" 2>&1 &
    sleep "$((idle + 20))"
    pkill -INT -f "callgrind-out-file=$work/$start.out" || true
    wait || true
done

python3 - "$work/new.out" "$work/again.out" >Sources/App/startup-order.txt <<'EOF'
import re, sys
# callgrind names each object and function once as "(id) name", then by "(id)" alone.
seen, order = set(), []
for path in sys.argv[1:]:
    objects, functions, current = {}, {}, None
    for line in open(path, errors="replace"):
        match = re.match(r"^(c?ob|c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if not match:
            continue
        kind, key, name = match.groups()
        table = objects if kind.endswith("ob") else functions
        if name:
            table[key] = name
        if kind == "ob":
            current = objects.get(key, "")
        elif kind == "fn" and current.endswith("/tiktok-army"):
            symbol = re.sub(r"'\d+$", "", functions[key])
            if symbol not in seen and not symbol.startswith("("):
                seen.add(symbol)
                order.append(symbol)
print("\n".join(order))
EOF
echo "startup-order: $(wc -l <Sources/App/startup-order.txt) functions"
