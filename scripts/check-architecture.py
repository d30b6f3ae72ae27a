#!/usr/bin/env python3
"""Fails when the package's targets or their dependencies break the design's direction:

    Core  <-  Providers, Persistence  <-  Agents  <-  Orchestrator  <-  HTTPServer  <-  App, Benchmark
    Core  <-  APIContract  <-  HTTPServer

when a C shim is imported anywhere but its one wrapper file, when a target that must hold no
SQL (`SQL_FREE`) has an SQL statement in a string literal or uses the query API (Persistence owns
the statements), and when any source numbers a `$n` placeholder by hand (values are interpolated
into an `SQLQuery`, which numbers and binds them), or when a source calls Foundation's `UUID()`
(on Linux it opens `/dev/urandom` for each one; `Crypto.randomUUID()` draws from OpenSSL)."""
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LAYERS = {
    "CLibPQ": set(), "CCurl": set(), "COpenSSL": set(),
    "Core": {"COpenSSL"},
    "Persistence": {"Core", "CLibPQ"},
    "Providers": {"Core", "CCurl"},
    "Agents": {"Core", "Persistence", "Providers"},
    "Orchestrator": {"Core", "Persistence", "Providers", "Agents"},
    # The OpenAPI document and the types generated from it; free-form JSON in it is Core's JSONValue.
    "APIContract": {"Core", "COpenSSL"},
    "HTTPServer": {"Core", "Persistence", "Providers", "Agents", "Orchestrator", "APIContract"},
    "App": {"Core", "Persistence", "Providers", "Agents", "Orchestrator", "APIContract", "HTTPServer"},
    "Benchmark": {"Core", "Persistence", "Providers", "Agents", "Orchestrator", "APIContract", "HTTPServer"},
    # Shared test helpers (Tests/Support): only test targets may depend on it.
    "TestSupport": {"Core", "Persistence", "Providers"},
}
TEST_ONLY = {"TestSupport"}
# Targets whose queries all go through Persistence's repositories. The benchmark keeps the one
# statement of its pgbench baseline (the table pgbench inserts into).
SQL_FREE = ["APIContract", "Agents", "Orchestrator", "HTTPServer", "App"]
# The query API: only Persistence builds statements and sends them.
QUERY_API = re.compile(r'\b(SQLQuery|SQLValue|readInWorkspace)\b|(?<![\w.])(?:c|connection|\$0)\.(?:query|execute)\(|\bdatabase\.read\(in:')
# A hand-numbered placeholder: statements bind values by interpolation (`SQLQuery`), which
# numbers them; only the libpq wrapper itself writes `$1`.
PLACEHOLDER = re.compile(r'\$[0-9]')
SQL_WORD = re.compile(r'\b(SELECT|INSERT|UPDATE|DELETE|WHERE|VALUES|SET|FROM|RETURNING|LIMIT|AND|OR|IN)\b')
PLACEHOLDER_ALLOWED = {"Sources/Persistence/LibPQ/Connection.swift"}
# Foundation's random UUID, called outside a comment.
FOUNDATION_UUID = re.compile(r'^(?!\s*///?).*\bUUID\(\)', re.MULTILINE)
SQL_LITERAL = re.compile(r'"(?:"")?\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|BEGIN|LISTEN|NOTIFY)\s', re.MULTILINE)
SHIM_WRAPPERS = {
    "CLibPQ": "Sources/Persistence/LibPQ/Connection.swift",
    "CCurl": "Sources/Providers/Transport/Curl.swift",
    "COpenSSL": "Sources/Core/Crypto/OpenSSL.swift",
}

def string_literals(text):
    """Yields (offset, text) of each Swift string literal's own text, interpolations left out."""
    i = 0
    while i < len(text):
        if text.startswith("//", i):
            i = text.find("\n", i) + 1 or len(text)
            continue
        if text[i] != '"':
            i += 1
            continue
        start, triple = i, text.startswith('"""', i)
        i += 3 if triple else 1
        own = []
        while i < len(text):
            if text[i] == "\\" and text.startswith("\\(", i):
                depth, i = 1, i + 2
                while i < len(text) and depth:
                    depth += {"(": 1, ")": -1}.get(text[i], 0)
                    i += 1
                continue
            if text[i] == "\\":
                own.append(text[i:i + 2])
                i += 2
                continue
            if (triple and text.startswith('"""', i)) or (not triple and text[i] in '"\n'):
                i += 3 if triple else 1
                break
            own.append(text[i])
            i += 1
        yield start, "".join(own)


def main() -> int:
    described = subprocess.run(["swift", "package", "describe", "--type", "json"], cwd=ROOT,
                               check=True, capture_output=True, text=True).stdout
    targets = {t["name"]: t for t in json.loads(described)["targets"]}
    problems = []
    libraries = {n for n, t in targets.items() if t["type"] != "test"}
    if libraries != set(LAYERS):
        problems.append(f"targets are {sorted(libraries)}, expected exactly {sorted(LAYERS)}")
    for name, target in targets.items():
        deps = set(target.get("target_dependencies", []))
        if target["type"] == "test":
            tested = name.removesuffix("Tests")
            allowed = {tested} | LAYERS.get(tested, set()) | TEST_ONLY
            if deps - allowed:
                problems.append(f"{name} depends on {sorted(deps - allowed)}; a test target depends on its target and what that may import")
            continue
        for dep in sorted(deps & TEST_ONLY):
            problems.append(f"{name} -> {dep}: only test targets may use the test helpers")
        for dep in sorted(deps - LAYERS.get(name, set())):
            problems.append(f"{name} -> {dep} goes against the dependency direction")
    tests = {n.removesuffix("Tests") for n, t in targets.items() if t["type"] == "test"}
    for library in sorted(set(LAYERS) - {"CLibPQ", "CCurl", "COpenSSL", "App", "Benchmark"} - TEST_ONLY - tests):
        problems.append(f"{library} has no test target")
    for shim, wrapper in SHIM_WRAPPERS.items():
        importers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "Sources").rglob("*.swift")
                           if f"import {shim}\n" in p.read_text())
        if importers and importers != [wrapper]:
            problems.append(f"{shim} is imported by {importers}; only {wrapper} may")
    for target in SQL_FREE:
        for path in sorted((ROOT / "Sources" / target).rglob("*.swift")):
            for match in SQL_LITERAL.finditer(path.read_text()):
                line = path.read_text().count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(ROOT)}:{line} holds SQL ({match.group(1)}); statements belong in a Persistence repository")
        for path in sorted((ROOT / "Sources" / target).rglob("*.swift")):
            text = path.read_text()
            for match in QUERY_API.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(ROOT)}:{line} uses the query API ({match.group(0).strip()}); call a Persistence repository")
    for path in sorted((ROOT / "Sources").rglob("*.swift")):
        relative = str(path.relative_to(ROOT))
        text = path.read_text()
        for match in FOUNDATION_UUID.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{relative}:{line} calls UUID(), which opens /dev/urandom on Linux; use Crypto.randomUUID()")
        if relative in PLACEHOLDER_ALLOWED:
            continue
        for start, literal in string_literals(text):
            if PLACEHOLDER.search(literal) and SQL_WORD.search(literal):
                line = text.count("\n", 0, start) + 1
                problems.append(f"{relative}:{line} numbers a placeholder by hand; interpolate the value into an SQLQuery")
    for problem in problems:
        print("architecture:", problem, file=sys.stderr)
    if not problems:
        print(f"architecture: {len(targets)} targets follow Core <- Providers, Persistence <- Agents <- Orchestrator <- HTTPServer <- App, Benchmark")
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
