"""The contract suite's flow: a workspace used as a brand would use it, every JSON answer checked
against the schema `openapi.yaml` gives for its operation and status.

schemathesis (the fuzz suite) mostly reaches an id-taking operation's 4xx answers, since the ids it
makes up do not exist; this walks the success paths with real ids: briefs, runs to the end, an
approval decided, shares, schedules, evaluations, keys, caps, alerts, the catalog and the copilot.
"""

import json
import re
import urllib.request

import jsonschema
import referencing
import referencing.jsonschema
import yaml


class Contract:
    """The served document's schemas, by method, path template and status."""

    def __init__(self, port):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.yaml") as answer:
            self.document = yaml.safe_load(answer.read())
        resource = referencing.Resource.from_contents(self.document, default_specification=referencing.jsonschema.DRAFT202012)
        self.registry = referencing.Registry().with_resource("urn:openapi", resource)
        self.templates = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path) for path in self.document["paths"]]
        self.checked = {}

    def template(self, path):
        matches = [template for pattern, template in self.templates if pattern.match(path)]
        # The most literal template wins (/workflows/run over /workflows/{slug}).
        return min(matches, key=lambda t: t.count("{")) if matches else None

    def check(self, method, path, status, body):
        """Fails with the operation, status and the first schema violation when `body` breaks the document."""
        template = self.template(path.split("?")[0])
        if template is None:
            raise AssertionError(f"{method} {path}: no such path in the document")
        operation = self.document["paths"][template].get(method.lower())
        if operation is None:
            raise AssertionError(f"{method} {template}: no such operation in the document")
        answer = operation["responses"].get(str(status))
        if answer is None:
            raise AssertionError(f"{method} {template} answered {status}, which the document does not list: {str(body)[:300]}")
        pointer = f"/paths/{escape(template)}/{method.lower()}/responses/{status}"
        if "$ref" in answer:
            pointer = answer["$ref"][1:]
            answer = self.resolve(answer["$ref"])
        content = answer.get("content", {}).get("application/json")
        if content is None:
            return
        schema = {"$ref": f"urn:openapi#{pointer}/content/application~1json/schema"}
        validator = jsonschema.Draft202012Validator(schema, registry=self.registry)
        error = jsonschema.exceptions.best_match(validator.iter_errors(body))
        if error is not None:
            where = "/".join(str(part) for part in error.absolute_path) or "the body"
            raise AssertionError(f"{method} {template} {status}: {where}: {error.message[:300]}")
        self.checked[(method, template, status)] = self.checked.get((method, template, status), 0) + 1

    def resolve(self, reference):
        node = self.document
        for part in reference[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node


def escape(path):
    return path.replace("~", "~0").replace("/", "~1")


def walk(port, key, request, wait_for, expect):
    """Drives the workspace through every JSON operation; answers the `Contract` with what it checked."""
    contract = Contract(port)

    def call(method, path, body=None, expected=None):
        status, answer, _ = request(port, method, path, key, body)
        if expected is not None:
            expect(status == expected, f"{method} {path} answered {status}, expected {expected}: {str(answer)[:300]}")
        if status != 204:
            contract.check(method, path, status, answer)
        return answer

    call("GET", "/health", expected=200)
    call("GET", "/ready", expected=200)
    api = "/api/dashboard"
    issued = call("POST", f"{api}/keys", {"name": "contract", "role": "viewer"}, 201)
    call("GET", f"{api}/keys", expected=200)
    call("POST", f"{api}/keys/{issued['id']}/revoke", expected=200)

    brief = call("POST", f"{api}/briefs", {"handle": "@contract", "notes": "contract suite", "inputs": {"days": 7}}, 201)
    call("GET", f"{api}/briefs", expected=200)
    call("GET", f"{api}/briefs?limit=1", expected=200)
    call("GET", f"{api}/briefs/{brief['id']}", expected=200)
    call("PATCH", f"{api}/briefs/{brief['id']}", {"notes": "edited"}, 200)

    call("GET", f"{api}/workflows", expected=200)
    call("GET", f"{api}/workflows/profile_audit", expected=200)
    call("POST", f"{api}/workflows/preview", {"slug": "contract_flow", "name": "Contract", "steps": [
        {"key": "scout", "agent": "trend_scout"}]}, 200)
    call("POST", f"{api}/workflows/preview", {"slug": "contract_flow", "name": "Contract", "steps": [
        {"key": "scout", "agent": "trend_scout", "depends_on": ["missing"]}]}, 200)
    custom = {"slug": "contract_flow", "name": "Contract", "description": "one step", "steps": [{"key": "scout", "agent": "trend_scout"}]}
    call("POST", f"{api}/workflows", custom, 201)
    call("PUT", f"{api}/workflows/contract_flow", {**custom, "description": "edited"}, 200)
    call("DELETE", f"{api}/workflows/contract_flow", expected=204)

    run = call("POST", f"{api}/workflows/run", {"brief_id": brief["id"], "workflow_slug": "profile_audit"}, 202)
    wait_for("the audit to finish", lambda: request(port, "GET", f"{api}/workflows/runs/{run['workflow_run_id']}", key)[1]["status"] == "succeeded",
             timeout=120)
    detail = call("GET", f"{api}/workflows/runs/{run['workflow_run_id']}", expected=200)
    call("GET", f"{api}/workflows/runs", expected=200)
    call("GET", f"{api}/workflows/runs?status=succeeded&limit=5", expected=200)
    agent_runs = [step.get("agent_run_id") for step in detail.get("steps", []) if step.get("agent_run_id")]
    expect(agent_runs, f"the run detail names its agent runs: {str(detail)[:300]}")
    call("GET", f"{api}/agent-runs/{agent_runs[0]}/steps", expected=200)
    share = call("POST", f"{api}/workflows/runs/{run['workflow_run_id']}/shares", {"expires_in_days": 7}, 201)
    call("GET", f"{api}/workflows/runs/{run['workflow_run_id']}/shares", expected=200)
    call("DELETE", f"{api}/workflows/runs/{run['workflow_run_id']}/shares/{share['id']}", expected=204)
    first_step = detail["steps"][0]["step_key"]
    # Only a failed step of a failed run is retried; a succeeded one is a 409 in the error shape.
    call("POST", f"{api}/workflows/runs/{run['workflow_run_id']}/steps/{first_step}/retry", expected=409)

    launch = call("POST", f"{api}/workflows/run", {"brief_id": brief["id"], "workflow_slug": "campaign_launch"}, 202)
    wait_for("the launch to wait for approval", lambda: any(
        a["run_id"] == launch["workflow_run_id"] for a in request(port, "GET", f"{api}/approvals", key)[1]["items"]), timeout=120)
    approvals = call("GET", f"{api}/approvals", expected=200)
    approval = next(a for a in approvals["items"] if a["run_id"] == launch["workflow_run_id"])
    call("GET", f"{api}/approvals/{approval['id']}", expected=200)
    call("POST", f"{api}/approvals/{approval['id']}/approve", {"note": "contract suite"}, 200)
    second = call("POST", f"{api}/workflows/run", {"brief_id": brief["id"], "workflow_slug": "campaign_launch"}, 202)
    wait_for("the second launch to wait for approval", lambda: any(
        a["run_id"] == second["workflow_run_id"] for a in request(port, "GET", f"{api}/approvals", key)[1]["items"]), timeout=120)
    pending = next(a for a in request(port, "GET", f"{api}/approvals", key)[1]["items"] if a["run_id"] == second["workflow_run_id"])
    call("POST", f"{api}/approvals/{pending['id']}/reject", {"note": "not this week"}, 200)
    cancelled = call("POST", f"{api}/workflows/run", {"brief_id": brief["id"], "workflow_slug": "campaign_launch"}, 202)
    call("POST", f"{api}/workflows/runs/{cancelled['workflow_run_id']}/cancel", expected=200)

    call("GET", f"{api}/agents/catalog", expected=200)
    call("GET", f"{api}/models", expected=200)
    call("GET", f"{api}/agents/models", expected=200)
    call("GET", f"{api}/agents/trend_scout", expected=200)
    call("PUT", f"{api}/agents/trend_scout/model", {"model": None}, 200)
    call("GET", f"{api}/overview", expected=200)
    call("POST", f"{api}/copilot", {"message": "help"}, 200)
    call("POST", f"{api}/copilot", {"message": "audit @copilotcontract"}, 200)

    call("GET", f"{api}/alerts", expected=200)
    call("GET", f"{api}/notifications", expected=200)
    call("PUT", f"{api}/notifications", {"approval_alert_minutes": 30}, 200)
    schedule = call("POST", f"{api}/schedules", {"brief_id": brief["id"], "workflow_slug": "profile_audit", "interval_seconds": 3600}, 201)
    call("GET", f"{api}/schedules", expected=200)
    call("DELETE", f"{api}/schedules/{schedule['id']}", expected=204)
    call("GET", f"{api}/spend-caps", expected=200)
    call("PUT", f"{api}/spend-caps", {"claude_daily_usd": 25, "ads_daily_usd": None}, 200)
    call("GET", f"{api}/accounts", expected=200)

    evaluation = call("POST", f"{api}/evaluations", {"run_ids": [run["workflow_run_id"]], "models": {}}, 201)
    call("GET", f"{api}/evaluations", expected=200)
    call("GET", f"{api}/evaluations/{evaluation['evaluation']['id']}", expected=200)
    call("POST", f"{api}/evaluations/{evaluation['evaluation']['id']}/cancel")
    call("DELETE", f"{api}/briefs/{brief['id']}")
    return contract
