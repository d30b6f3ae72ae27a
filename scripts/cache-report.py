#!/usr/bin/env python3
"""Measures prompt caching in mock mode: one `serve` process on a fresh embedded cluster runs
Profile Audit twice and Campaign Launch once (approved) for the same brand, then prints, per run,
the Claude calls, input tokens, cache reads and writes, the cache-read share and the cost.

    python3 scripts/cache-report.py            (after `swift build`)
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, ".build", "debug", "tiktok-army")

QUERY = """
SELECT r.workflow_slug AS workflow, count(s.*) AS calls,
       sum(s.input_tokens + s.cache_creation_input_tokens + s.cache_read_input_tokens) AS input_tokens,
       sum(s.cache_read_input_tokens) AS cache_read, sum(s.cache_creation_input_tokens) AS cache_write,
       round(100.0 * sum(s.cache_read_input_tokens)
             / nullif(sum(s.input_tokens + s.cache_creation_input_tokens + s.cache_read_input_tokens), 0), 1) AS read_pct,
       round(sum(s.cost_usd)::numeric, 4) AS cost_usd
FROM tiktok_workflow_runs r
JOIN tiktok_agent_runs a ON a.workflow_run_id = r.id
JOIN tiktok_agent_steps s ON s.agent_run_id = a.id AND s.kind = 'llm_call'
GROUP BY r.id, r.workflow_slug, r.created_at ORDER BY r.created_at
"""


def call(base, key, method, path, body=None):
    request = urllib.request.Request(
        base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def wait(base, key, run, statuses):
    for _ in range(600):
        current = call(base, key, "GET", f"/api/dashboard/workflows/runs/{run}")
        if current["status"] in statuses:
            return current
        time.sleep(0.1)
    sys.exit(f"run {run} did not reach {statuses}")


def main():
    data = tempfile.mkdtemp(prefix="cache-report-")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, DATA_DIR=data, PORT=str(port), CLAUDE_MODE="mock", TIKTOK_PROVIDER_MODE="mock", LOG_LEVEL="warning")
    server = subprocess.Popen([BINARY, "serve"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/ready", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        key = open(os.path.join(data, "dev-api-key")).read().strip()
        brief = call(base, key, "POST", "/api/dashboard/briefs", {"handle": "@glowco", "notes": "Spring launch", "inputs": {"budget_usd": 50}})
        for slug in ["profile_audit", "profile_audit", "campaign_launch"]:
            run = call(base, key, "POST", "/api/dashboard/workflows/run", {"brief_id": brief["id"], "workflow_slug": slug})["workflow_run_id"]
            state = wait(base, key, run, {"succeeded", "failed", "awaiting_approval"})
            while state["status"] == "awaiting_approval":
                pending = call(base, key, "GET", "/api/dashboard/approvals?status=pending")["items"]
                for approval in pending:
                    call(base, key, "POST", f"/api/dashboard/approvals/{approval['id']}/approve", {"note": "cache report"})
                state = wait(base, key, run, {"succeeded", "failed"})
            print(f"{slug}: {state['status']}", file=sys.stderr)
        url = subprocess.run([BINARY, "db", "url", "--data-dir", data], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()
        subprocess.run(["psql", url, "-c", QUERY], check=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        subprocess.run([BINARY, "db", "stop", "--data-dir", data], cwd=ROOT, env=env, capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
