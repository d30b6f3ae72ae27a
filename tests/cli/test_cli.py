"""The operator's console commands against the embedded cluster, as a shell user runs them:
migrate, run (a finished run and one that waits for approval), runs, approvals, approve, replay, evaluate,
and the one-line errors for bad input."""

import os
import re
import shutil
import subprocess
import unittest
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, ".build/debug/tiktok-army")
DATA = os.path.join(ROOT, ".data/cli")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def cli(*args, check=True):
    result = subprocess.run([BIN, *args, "--data-dir", DATA], cwd=ROOT, capture_output=True, text=True, timeout=180)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}: {result.stderr[-2000:]}")
    return result


def sql(query):
    """`query` as the owner, scoped (row-level security is forced) to the dev key's workspace."""
    url = subprocess.run([BIN, "db", "url", "--data-dir", DATA], capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(DATA, "dev-api-key")) as f:
        key = f.read().strip()
    scoped = (
        "SELECT set_config('app.workspace_id', (SELECT workspace_id::text FROM tiktok_lookup_api_key(encode(sha256(convert_to(:'key', 'UTF8')), 'hex'))), false) \\g /dev/null\n"
        + query
    )
    result = subprocess.run(["psql", url, "-XAt", "-v", f"key={key}", "-v", "ON_ERROR_STOP=1"], input=scoped, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def error_line(result):
    lines = [l for l in result.stderr.splitlines() if l.startswith("error: ")]
    return lines[-1] if lines else ""


class ConsoleCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        subprocess.run([BIN, "db", "stop", "--data-dir", DATA], capture_output=True)
        shutil.rmtree(DATA, ignore_errors=True)
        cls.first_migrate = cli("migrate").stdout
        assert cli("approvals").stdout.strip() == "nothing is waiting for approval"  # makes the dev workspace and key

    @classmethod
    def tearDownClass(cls):
        subprocess.run([BIN, "db", "stop", "--data-dir", DATA], capture_output=True)

    def test_migrate_applies_every_migration_once(self):
        migrations = sorted(f for f in os.listdir(os.path.join(ROOT, "migrations")) if f.endswith(".sql"))
        self.assertIn("applied: " + ", ".join(migrations), self.first_migrate)
        self.assertEqual(cli("migrate").stdout.strip(), "schema is up to date")
        self.assertEqual(sql("SELECT count(*) FROM tiktok_meta.schema_migrations"), str(len(migrations)))

    def test_the_operator_loop(self):

        audit = cli("run", "profile_audit", "--handle", "@cli_brand")
        run_id = re.search(rf"^run ({UUID}): profile_audit for @cli_brand$", audit.stdout, re.M).group(1)
        self.assertRegex(audit.stdout, r"✓ synthesis\s+succeeded")
        self.assertRegex(audit.stdout, r"\nsucceeded — \$0\.\d{4}, \d+ ms")
        self.assertIn("@cli_brand", audit.stdout.split("succeeded — ", 1)[1], "the report is printed")
        self.assertEqual(sql(f"SELECT status FROM tiktok_workflow_runs WHERE id = '{run_id}'"), "succeeded")

        launch = cli("run", "campaign_launch", "--handle", "@cli_brand", "--notes", "spring drop")
        launch_id = re.search(rf"^run ({UUID}): campaign_launch", launch.stdout, re.M).group(1)
        approval_id = re.search(rf"waiting for approval ({UUID}): tiktok-army approve \1", launch.stdout).group(1)

        listed = cli("runs").stdout.splitlines()
        self.assertEqual([l.split()[0] for l in listed], [launch_id, run_id], "newest first")
        self.assertEqual(listed[0].split()[2], "awaiting_approval")
        self.assertEqual([l.split()[0] for l in cli("runs", "--status", "succeeded").stdout.splitlines()], [run_id])

        pending = cli("approvals").stdout.strip()
        self.assertEqual(pending, f"{approval_id}  Approve creative and budget  run {launch_id}")

        approved = cli("approve", approval_id, "--note", "ship it")
        self.assertTrue(approved.stdout.startswith(f"approved {approval_id}\n"), approved.stdout[:200])
        self.assertIn("\nsucceeded\n", approved.stdout)
        self.assertEqual(sql(f"SELECT status || '/' || decision_note FROM tiktok_approvals WHERE id = '{approval_id}'"), "approved/ship it")
        self.assertEqual(sql(f"SELECT status FROM tiktok_workflow_runs WHERE id = '{launch_id}'"), "succeeded")
        self.assertEqual(cli("approvals").stdout.strip(), "nothing is waiting for approval")

        again = cli("approve", approval_id, check=False)
        self.assertEqual((again.returncode, error_line(again)), (1, f"error: approval {approval_id} was already approved"))

        replay = cli("replay", launch_id)
        replay_id = re.search(rf"^replay ({UUID}) of run {launch_id}$", replay.stdout, re.M).group(1)
        self.assertRegex(replay.stdout, r"✓ approval\s+succeeded")
        self.assertIn("\nsucceeded — $0.0000 (the recorded run: succeeded)\n", replay.stdout)
        self.assertIn("every step's output matches the recording\nthe report matches the recording", replay.stdout)
        self.assertEqual(sql(f"SELECT replay_of FROM tiktok_workflow_runs WHERE id = '{replay_id}'"), launch_id)
        self.assertEqual(sql(f"SELECT count(*) FROM tiktok_agent_steps s JOIN tiktok_agent_runs r ON r.id = s.agent_run_id WHERE r.workflow_run_id = '{replay_id}' AND s.cost_usd > 0"), "0")
        evaluated = cli("evaluate", run_id, "--model", "synthesis=claude-sonnet-5-5")
        evaluation_id = re.search(rf"^evaluation ({UUID}): synthesis on claude-sonnet-5-5$", evaluated.stdout, re.M).group(1)
        self.assertRegex(evaluated.stdout, rf"\n  {run_id}  @cli_brand  succeeded  \$0\.\d{{4}} -> \$0\.\d{{4}}  report (un)?changed\n")
        self.assertRegex(evaluated.stdout, r"\nfinished: Claude \$0\.\d{4} -> \$0\.\d{4}, (\d+) -> \1 calls, ")
        self.assertEqual(sql(f"SELECT count(*) FROM tiktok_workflow_runs WHERE evaluation_id = '{evaluation_id}' AND replay_of = '{run_id}'"), "1")
        bad_model = cli("evaluate", run_id, "--model", "synthesis", check=False)
        self.assertEqual(bad_model.returncode, 64, bad_model.stderr)
        self.assertIn('--model takes AGENT=MODEL, got "synthesis"', bad_model.stderr)
        unknown = cli("evaluate", run_id, "--model", "synthesis=claude-nope", check=False)
        self.assertEqual((unknown.returncode, error_line(unknown)), (1, "error: models.synthesis: claude-nope is not a model with a price"))

        missing = cli("replay", "00000000-0000-0000-0000-000000000000", check=False)
        self.assertEqual((missing.returncode, error_line(missing)), (1, "error: run 00000000-0000-0000-0000-000000000000 not found"))

    def test_bad_input_is_one_clear_line_and_writes_nothing(self):
        briefs = lambda: sql("SELECT count(*) FROM tiktok_briefs")
        before = briefs()
        cases = [
            (("run", "nonsense", "--handle", "@cli_brand"), "error: no workflow nonsense"),
            (("run", "profile_audit", "--handle", "@x"), "error: handle must be 2-24 letters, digits, underscores or periods, optionally starting with @"),
            (("runs", "--status", "bogus"), "error: status must be one of pending, running, awaiting_approval, succeeded, failed, cancelled, rejected"),
            (("approve", "not-a-uuid"), "error: id must be a UUID"),
        ]
        for args, message in cases:
            result = cli(*args, check=False)
            self.assertEqual((result.returncode, error_line(result)), (1, message), args)
        self.assertEqual(briefs(), before, "a refused command stores no brief")

    def test_schedules_are_added_listed_and_removed(self):
        brief = sql("INSERT INTO tiktok_briefs (workspace_id, handle) VALUES (current_setting('app.workspace_id')::uuid, '@sched_brand') RETURNING id").splitlines()[0]
        self.assertEqual(cli("schedules", "list").stdout.strip(), "no schedules: add one with `tiktok-army schedules add`")
        bad = cli("schedules", "add", "--brief", brief, "--workflow", "profile_audit", "--cron", "0 9 * *", check=False)
        self.assertEqual((bad.returncode, error_line(bad)), (1, 'error: cron must have five fields (minute hour day-of-month month day-of-week), got "0 9 * *"'))
        added = cli("schedules", "add", "--brief", brief, "--workflow", "profile_audit", "--cron", "0 9 * * 1", "--time-zone", "Europe/Paris")
        schedule = re.search(rf"^schedule ({UUID}): first run ", added.stdout, re.M).group(1)
        listed = cli("schedules", "list").stdout.strip()
        self.assertTrue(listed.startswith(f'{schedule}  profile_audit  cron "0 9 * * 1" Europe/Paris  next '), listed)
        self.assertEqual(sql(f"SELECT to_char(next_run_at AT TIME ZONE 'Europe/Paris', 'ID HH24:MI') FROM tiktok_schedules WHERE id = '{schedule}'"), "1 09:00")
        self.assertEqual(cli("schedules", "remove", schedule).stdout.strip(), f"removed schedule {schedule}")
        gone = cli("schedules", "remove", schedule, check=False)
        self.assertEqual((gone.returncode, error_line(gone)), (1, f"error: no schedule {schedule} in this workspace"))

    def test_accounts_list_and_key_rotation(self):
        self.assertEqual(cli("accounts", "list").stdout.strip(), "no connected accounts: connect them on the dashboard's Accounts page")
        key_file = os.path.join(DATA, "token-key")
        before = Path(key_file).read_text() if os.path.exists(key_file) else None
        out = cli("accounts", "rotate-key").stdout.strip()
        self.assertRegex(out, r"^re-sealed 0 accounts under key [0-9a-f]{16}$")
        after = Path(key_file).read_text()
        self.assertNotEqual(before, after, "a new key was generated")
        self.assertEqual(oct(os.stat(key_file).st_mode & 0o777), "0o600")
        if before:
            self.assertIn(before.strip(), Path(key_file + ".previous").read_text(), "the old key still opens what it sealed")

    def test_a_refused_command_stops_the_cluster_it_started(self):
        subprocess.run([BIN, "db", "stop", "--data-dir", DATA], capture_output=True, check=True)
        for args in (("runs", "--status", "bogus"), ("approve", "not-a-uuid")):
            result = cli(*args, check=False)
            self.assertEqual(result.returncode, 1, (args, result.stderr[-2000:]))
            status = subprocess.run([BIN, "db", "status", "--data-dir", DATA], capture_output=True, text=True)
            self.assertEqual(status.returncode, 3, (args, status.stdout))


if __name__ == "__main__":
    unittest.main(verbosity=2)
