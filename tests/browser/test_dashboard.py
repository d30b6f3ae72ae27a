"""Drives the dashboard in headless Chromium against a real server on the embedded database.

Run by scripts/test.sh after the Swift suites: python3 tests/browser/test_dashboard.py
"""
import json
import os
import re
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.path.join(ROOT, "artifacts")
PORT = int(os.environ.get("BROWSER_TEST_PORT", "18765"))
BASE = f"http://127.0.0.1:{PORT}"
XSS = ("<script>window.__xss = 1</script><img src=x onerror=\"window.__xss = 2\"> "
       "![p](x\" onerror=\"window.__xss = 3) [a]( javascript:window.__xss=4)")


def replaced(element):
    """Waits for `element` to leave the page (a navigation replaced it). Chromium sometimes
    answers a check on a node of the old document with an inspector error rather than a stale
    reference; both mean the same."""
    def predicate(_driver):
        try:
            element.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
    return predicate

class Dashboard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(ARTIFACTS, exist_ok=True)
        # The data folder outlives a run: generous daily caps keep repeated runs on one day from tripping them.
        # A second per Claude call keeps a Profile Audit running for two seconds or more, so the run page
        # loads while it runs and its clock ticks at least once before it ends.
        env = dict(os.environ, CLAUDE_MOCK_LATENCY_MS="1000", LOG_LEVEL="warning", ADS_DAILY_CAP_USD="1000000", CLAUDE_DAILY_CAP_USD="100000")
        cls.server = subprocess.Popen(
            [os.path.join(ROOT, ".build/debug/tiktok-army"), "serve", "--port", str(PORT), "--data-dir", os.path.join(ROOT, ".data/browser")],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        cls.key = None
        deadline = time.time() + 120
        while time.time() < deadline and cls.key is None:
            line = cls.server.stdout.readline()
            match = re.search(r"api key:\s+(\S+)", line or "")
            if match:
                cls.key = match.group(1)
        if cls.key is None:
            cls.server.kill()
            raise RuntimeError("the server did not start")
        # Keep reading what the server prints: a full pipe would block its next log line, and with
        # it whatever was logging (a step, or the shutdown itself).
        cls.log = open(os.path.join(ARTIFACTS, "browser-server.log"), "w")
        cls.reader = threading.Thread(target=lambda: [cls.log.write(line) for line in cls.server.stdout], daemon=True)
        cls.reader.start()
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"]:
            options.add_argument(argument)
        cls.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        # Live pages replace the parts they update, and a click may navigate: an element read while
        # it is being replaced (stale, or on a navigation Chromium's "does not belong to the
        # document") is looked up again on the next poll; a wait that never holds still times out.
        cls.wait = WebDriverWait(cls.driver, 60, ignored_exceptions=[StaleElementReferenceException, WebDriverException])

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.server.terminate()
        cls.server.wait(timeout=30)
        cls.reader.join(timeout=5)
        cls.log.close()

    def login(self, key):
        self.driver.get(BASE + "/login")
        field = self.driver.find_element(By.ID, "key")
        field.clear()
        field.send_keys(key)
        form = self.driver.find_element(By.CSS_SELECTOR, "main form")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.wait.until(replaced(form))

    def signed_in(self):
        self.login(self.key)
        self.wait.until(EC.presence_of_element_located((By.LINK_TEXT, "Briefs")))

    def create_brief(self, handle, notes=""):
        self.driver.get(BASE + "/briefs")
        self.driver.find_element(By.ID, "f-handle").send_keys(handle)
        if notes:
            self.driver.find_element(By.ID, "f-notes").send_keys(notes)
        form = self.driver.find_element(By.ID, "brief-form")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.wait.until(replaced(form))
        self.assertIn("The brief was created", self.driver.find_element(By.CSS_SELECTOR, ".flash").text)
        self.assertIn(handle, self.driver.find_element(By.TAG_NAME, "h1").text)
        return self.driver.current_url.split("?")[0]

    def api(self, method, path, body=None):
        request = urllib.request.Request(
            BASE + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": "Bearer " + self.key, "Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return json.loads(text) if text else None

    def finished(self, statuses=("succeeded",)):
        self.wait.until(lambda d: d.find_element(By.ID, "run-status").text in statuses)

    def shot(self, name):
        """A screenshot of the current page at 1400 px and at 390 px, and no sideways scroll on a phone."""
        self.driver.set_window_size(1400, 1000)
        time.sleep(0.2)
        self.driver.save_screenshot(os.path.join(ARTIFACTS, name + "-1400.png"))
        self.driver.set_window_size(390, 844)
        time.sleep(0.3)
        self.driver.save_screenshot(os.path.join(ARTIFACTS, name + "-390.png"))
        width, inner = self.driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        self.driver.set_window_size(1280, 1000)
        self.assertLessEqual(width, inner, name + " overflows sideways at 390 px")

    def start(self, handle, workflow):
        self.driver.get(BASE + "/workflows/run?workflow=" + workflow)
        select = Select(self.driver.find_element(By.ID, "brief"))
        option = next(o for o in select.options if o.text.startswith(handle))
        select.select_by_value(option.get_attribute("value"))
        form = self.driver.find_element(By.CSS_SELECTOR, "main form")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        try:
            self.wait.until(EC.url_matches(r"/runs/[0-9a-f-]{36}$"))
        except Exception:
            print(self.driver.current_url, self.driver.page_source[:2000], file=sys.stderr)
            raise

    def test_a_marketer_connects_a_tiktok_account_through_the_consent_page(self):
        self.signed_in()
        handle = "@shop_%d" % (time.time() * 1000 % 10**8)
        self.driver.get(BASE + "/accounts")
        self.driver.find_element(By.LINK_TEXT, "Connect TikTok account").click()
        # Mock mode: the consent page is the app's own; the state rides along in the form.
        self.wait.until(EC.presence_of_element_located((By.ID, "consent-form")))
        self.assertIn("user.info.basic", self.driver.find_element(By.TAG_NAME, "main").text)
        self.driver.find_element(By.ID, "consent-handle").send_keys(handle)
        form = self.driver.find_element(By.ID, "consent-form")
        form.find_element(By.CSS_SELECTOR, "button[value=allow]").click()
        self.wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "Connected " + handle))
        self.assertRegex(self.driver.current_url, r"/accounts/callback/tiktok\?code=mock\.")
        row = self.driver.find_element(By.XPATH, "//table[@id='accounts']//tr[td/strong[text()='%s']]" % handle)
        self.assertIn("active", row.text)
        self.assertRegex(row.text, r"7\d{18}", "the account's 19-digit open_id is shown")
        self.driver.save_screenshot(os.path.join(ARTIFACTS, "accounts-page.png"))
        # The same callback again: the state was single-use, nothing more is stored.
        rows = len(self.driver.find_elements(By.CSS_SELECTOR, "table#accounts tbody tr"))
        self.driver.get(self.driver.current_url)
        self.wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "already used"))
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "table#accounts tbody tr")), rows)
        # Declining on the consent page connects nothing and says why.
        self.driver.get(BASE + "/accounts")
        self.driver.find_element(By.LINK_TEXT, "Connect TikTok account").click()
        self.wait.until(EC.presence_of_element_located((By.ID, "consent-form")))
        self.driver.find_element(By.CSS_SELECTOR, "#consent-form button[value=deny]").click()
        self.wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "you declined the authorization"))
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "table#accounts tbody tr")), rows)
        # The brief form offers the connected accounts.
        self.driver.get(BASE + "/briefs")
        offered = [o.get_attribute("value") for o in self.driver.find_elements(By.CSS_SELECTOR, "datalist#l-handle option")]
        self.assertIn(handle, offered)

    def test_a_wrong_key_is_refused(self):
        self.login("tta_not-a-key")
        self.wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "not valid"))
        self.assertEqual(self.driver.current_url, BASE + "/login")

    def test_a_form_post_without_the_csrf_token_is_refused(self):
        request = urllib.request.Request(BASE + "/briefs", data=b"handle=%40nocsrf", method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": "tta_session=" + self.key})
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request)
        self.assertEqual(refused.exception.code, 403)

    def test_profile_audit_runs_live_with_trace_and_report_and_no_markup_leaks(self):
        self.signed_in()
        self.create_brief("@selenium_brand", XSS)
        self.assertIn("&lt;script&gt;", self.driver.page_source)
        self.assertIsNone(self.driver.execute_script("return window.__xss"))
        self.start("@selenium_brand", "profile_audit")
        self.driver.execute_script("window.__sameDocument = true")
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#dag .dag-graph .node")) == 6
                        and all("status-succeeded" in n.get_attribute("class") for n in d.find_elements(By.CSS_SELECTOR, "#dag .dag-graph .node")))
        self.assertTrue(self.driver.execute_script("return window.__sameDocument === true"), "the DAG updated without a reload")
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "report"), "@selenium_brand"))
        self.assertIn("<script>", self.driver.find_element(By.ID, "report").text, "the note in the report is shown as text")
        self.assertIsNone(self.driver.execute_script("return window.__xss"))
        self.assertEqual(self.driver.execute_script("return document.querySelectorAll('#report [onerror], #report script').length"), 0)
        hrefs = self.driver.execute_script("return [...document.querySelectorAll('#report a')].map(a => a.href)")
        self.assertTrue(hrefs and all(not h.lower().startswith("javascript") for h in hrefs), hrefs)
        self.driver.find_element(By.CSS_SELECTOR, '#dag .dag-graph .node[data-step="trend_scout"]').click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "trace"), "System prompt"))
        trace = self.driver.find_element(By.ID, "trace").text
        self.assertIn("llm_call", trace)
        self.assertRegex(trace, r"input \d+ · output \d+ · cache write \d+ · cache read \d+")
        self.driver.save_screenshot(os.path.join(ARTIFACTS, "run-page.png"))

    def test_a_finished_run_is_replayed_exactly_then_evaluated_on_another_model(self):
        self.signed_in()
        self.create_brief("@replay_brand", "Replay me")
        self.start("@replay_brand", "profile_audit")
        self.finished()
        original = self.driver.current_url.split("#")[0]
        recorded = self.driver.find_element(By.ID, "report-body").text
        self.assertNotEqual(self.driver.find_element(By.ID, "run-cost").text, "$0.00")
        button = self.driver.find_element(By.CSS_SELECTOR, "#replay button")
        self.assertEqual(button.text, "Replay")
        button.click()
        self.wait.until(lambda d: d.current_url.split("#")[0] != original and re.search(r"/runs/[0-9a-f-]{36}$", d.current_url))
        self.finished()
        note = self.driver.find_element(By.ID, "replay-of")
        self.assertIn("A replay of", note.text)
        self.assertEqual(note.find_element(By.TAG_NAME, "a").get_attribute("href"), original)
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "report-body"), "@replay_brand"))
        self.assertEqual(self.driver.find_element(By.ID, "report-body").text, recorded, "the replay's report is the recorded one")
        self.assertEqual(self.driver.find_element(By.ID, "run-cost").text, "$0.00")
        self.shot("replay")

        self.driver.get(original)
        self.driver.find_element(By.CSS_SELECTOR, "#evaluate summary").click()
        Select(self.driver.find_element(By.ID, "evaluate-agent")).select_by_visible_text("synthesis")
        Select(self.driver.find_element(By.ID, "evaluate-model")).select_by_visible_text("claude-sonnet-5-5")
        self.driver.find_element(By.CSS_SELECTOR, "#evaluate button[type=submit]").click()
        self.wait.until(EC.url_matches(r"/evaluations/[0-9a-f-]{36}$"))
        self.wait.until(lambda d: d.find_element(By.ID, "evaluation-status").text == "finished")
        self.assertIn("synthesis on claude-sonnet-5-5", self.driver.find_element(By.TAG_NAME, "h1").text)
        self.assertEqual(self.driver.find_element(By.ID, "evaluation-progress").text, "1 of 1")
        totals = {row.find_elements(By.TAG_NAME, "td")[0].text: [c.text for c in row.find_elements(By.TAG_NAME, "td")[1:]]
                  for row in self.driver.find_elements(By.CSS_SELECTOR, "#evaluation-totals tbody tr")}
        self.assertEqual(set(totals), {"Claude calls", "Repairs", "Failed calls", "Input tokens", "Output tokens", "Claude cost", "Claude time (s)"})
        self.assertEqual(totals["Claude calls"][0], totals["Claude calls"][1])
        self.assertRegex(totals["Claude cost"][2], r"^-\d", "Sonnet writes the synthesis for less than Opus")
        card = self.driver.find_element(By.CSS_SELECTOR, ".evaluation-run")
        self.assertIn("@replay_brand", card.text)
        self.assertTrue(card.find_elements(By.CSS_SELECTOR, ".report-diff, .report-unchanged"))
        self.assertTrue(card.find_element(By.LINK_TEXT, "Compare side by side").get_attribute("href").startswith(BASE + "/runs/compare?run="))
        card.find_element(By.CSS_SELECTOR, "details.calls summary").click()
        self.assertIn("claude-sonnet-5-5", card.find_element(By.CSS_SELECTOR, "details.calls").text)
        self.shot("evaluation")
        self.driver.save_screenshot(os.path.join(ARTIFACTS, "evaluation.png"))

    def test_campaign_launch_is_approved_on_the_approvals_page(self):
        self.signed_in()
        self.create_brief("@approve_me")
        self.start("@approve_me", "campaign_launch")
        run_url = self.driver.current_url
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "run-status"), "awaiting approval"))
        self.driver.get(BASE + "/approvals")
        self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "[data-approval]")))
        card = self.driver.find_element(By.CSS_SELECTOR, "[data-approval]")
        self.assertIn("Campaign Launch for @approve_me", card.text, "brand and workflow at the top")
        self.assertIn("goes live at $", card.find_element(By.CSS_SELECTOR, ".effects").text, "what approval does, in dollars")
        figures = card.find_elements(By.CSS_SELECTOR, "figure.video-item")
        self.assertGreater(len(figures), 0)
        for figure in figures:
            # Each video sits with its own caption in one figure.
            self.assertEqual(len(figure.find_elements(By.TAG_NAME, "video")), 1)
            self.assertTrue(figure.find_element(By.CSS_SELECTOR, ".caption").text.strip())
        video = figures[0].find_element(By.TAG_NAME, "video")
        self.driver.execute_script("arguments[0].muted = true; arguments[0].play();", video)
        self.wait.until(lambda d: d.execute_script("return arguments[0].currentTime > 0 && !arguments[0].paused", video))
        self.assertTrue(card.find_element(By.CSS_SELECTOR, ".ad-text").text.strip(), "the ad copy is reviewed")
        self.assertTrue(card.find_element(By.CSS_SELECTOR, "input[name=budget_usd]").get_attribute("value"))
        self.driver.save_screenshot(os.path.join(ARTIFACTS, "approvals-page.png"))
        Select(figures[0].find_element(By.CSS_SELECTOR, "select")).select_by_value("edit")
        caption = figures[0].find_element(By.TAG_NAME, "textarea")
        caption.clear()
        caption.send_keys("Edited in review #glow")
        card.find_element(By.CSS_SELECTOR, "input[name=note]").send_keys("Ship it")
        card.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
        self.wait.until(EC.url_to_be(run_url))
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "run-status"), "succeeded"))
        self.driver.refresh()
        decisions = self.driver.find_element(By.ID, "decisions").text
        self.assertIn("approved by key default: Ship it", decisions, "the run page names who approved")
        self.assertIn("Edited in review #glow", decisions, "and the edit made in review")
        cookie = self.driver.get_cookie("__Host-tta_session")
        self.assertIsNotNone(cookie, "the session cookie is set")
        self.assertNotIn(self.key, cookie["value"], "the cookie is a session token, not the key")
        self.assertTrue(cookie["httpOnly"] and cookie["secure"])
        logout = self.driver.find_element(By.CSS_SELECTOR, "form[action='/logout']")
        logout.find_element(By.CSS_SELECTOR, "button").click()
        self.wait.until(EC.url_to_be(BASE + "/login"))
        # The old cookie is dead on the server too, not only deleted in this browser.
        request = urllib.request.Request(BASE + "/api/dashboard/briefs", headers={"Cookie": "__Host-tta_session=" + cookie["value"]})
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request)
        self.assertEqual(refused.exception.code, 401)

    def test_a_marketer_chooses_an_agents_model_and_sees_cost_per_model(self):
        self.signed_in()
        self.driver.get(BASE + "/agents/comment_triage")
        self.assertIn("claude-haiku-5-5", self.driver.find_element(By.ID, "effective-model").text)
        options = [o.get_attribute("value") for o in Select(self.driver.find_element(By.ID, "model")).options]
        self.assertIn("claude-sonnet-5-5", options)
        self.assertNotIn("claude-sonnet-4-5", options, "a retired model is not offered")
        Select(self.driver.find_element(By.ID, "model")).select_by_value("claude-sonnet-5-5")
        form = self.driver.find_element(By.CSS_SELECTOR, "form[action$='/model']")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.wait.until(replaced(form))
        self.assertEqual(self.driver.find_element(By.ID, "effective-model").text, "claude-sonnet-5-5")
        self.assertIn("chosen for this workspace", self.driver.page_source)
        self.driver.save_screenshot(os.path.join(ARTIFACTS, "agent-model.png"))
        Select(self.driver.find_element(By.ID, "model")).select_by_value("")
        form = self.driver.find_element(By.CSS_SELECTOR, "form[action$='/model']")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.wait.until(replaced(form))
        self.assertEqual(self.driver.find_element(By.ID, "effective-model").text, "claude-haiku-5-5")
        self.driver.get(BASE + "/")
        self.assertIn("Cost per model", self.driver.page_source)
        self.driver.save_screenshot(os.path.join(ARTIFACTS, "overview.png"))

    def test_the_run_page_counts_cost_and_time_live_and_draws_a_timeline(self):
        self.signed_in()
        self.create_brief("@live_counts", "Counting")
        self.start("@live_counts", "profile_audit")
        self.driver.execute_script("window.__sameDocument = true")
        title = self.driver.find_element(By.TAG_NAME, "h1").text
        self.assertRegex(title, r"^Profile Audit · @live_counts · \d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
        first = self.driver.find_element(By.ID, "run-elapsed").text
        self.wait.until(lambda d: d.find_element(By.ID, "run-elapsed").text != first)
        self.wait.until(lambda d: d.find_element(By.ID, "run-cost").text not in ("$0.00", ""))
        self.finished()
        self.assertTrue(self.driver.execute_script("return window.__sameDocument === true"), "cost and time moved without a reload")
        elapsed = self.driver.find_element(By.ID, "run-elapsed").text
        time.sleep(1.5)
        self.assertEqual(self.driver.find_element(By.ID, "run-elapsed").text, elapsed, "the clock stops when the run ends")
        self.assertRegex(elapsed, r"^\d+(\.\d)? s$|^\d+ ms$")
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#timeline svg rect.bar")) >= 6)
        lanes = [e.get_attribute("data-step") for e in self.driver.find_elements(By.CSS_SELECTOR, "#timeline .lane")]
        self.assertIn("synthesis", lanes)
        # The selected step is in the address, so a trace can be linked.
        self.driver.find_element(By.CSS_SELECTOR, '#dag .dag-graph .node[data-step="audience_analyst"]').click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "trace"), "System prompt"))
        self.assertTrue(self.driver.current_url.endswith("#step=audience_analyst"))
        linked = self.driver.current_url
        self.driver.get(BASE + "/")
        self.driver.get(linked)
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "trace"), "Trace · audience_analyst"))
        self.shot("run-page")

    def test_a_failure_shows_live_with_retry_and_the_retried_step_finishes(self):
        self.signed_in()
        self.create_brief("@capped_brand")
        try:
            self.driver.get(BASE + "/spend")
            field = self.driver.find_element(By.ID, "cap-claude_daily_usd")
            field.clear()
            field.send_keys("0")
            self.driver.find_element(By.CSS_SELECTOR, "#caps-form button[type=submit]").click()
            self.wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "The caps were saved"))
            self.shot("spend-page")
            self.start("@capped_brand", "profile_audit")
            self.driver.execute_script("window.__sameDocument = true")
            self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#failures .failure button")))
            failure = self.driver.find_element(By.CSS_SELECTOR, "#failures .failure")
            self.assertIn("failed:", failure.text)
            self.assertIn("cap", failure.text.lower(), "the message says why")
            self.finished(("failed",))
            self.assertTrue(self.driver.execute_script("return window.__sameDocument === true"), "the failure arrived without a reload")
            step = failure.get_attribute("data-step")
        finally:
            self.api("PUT", "/api/dashboard/spend-caps", {"claude_daily_usd": None, "ads_daily_usd": None})
        failure.find_element(By.TAG_NAME, "button").click()
        self.wait.until(replaced(failure))
        node = '#dag .dag-graph .node[data-step="%s"]' % step
        self.wait.until(lambda d: "status-succeeded" in d.find_element(By.CSS_SELECTOR, node).get_attribute("class"))
        # The run ends again: succeeded, or failed when other steps the cap stopped are still failed.
        self.finished(("succeeded", "failed"))
        if self.driver.find_element(By.ID, "run-status").text == "failed":
            self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#failures .failure button")))
        self.shot("run-after-retry")

    def test_review_approval_leads_to_the_review_screen(self):
        self.signed_in()
        self.create_brief("@review_me")
        self.start("@review_me", "campaign_launch")
        review = self.driver.find_element(By.ID, "review-approval")
        self.assertFalse(review.is_displayed(), "nothing to review while the run works")
        self.wait.until(lambda d: review.is_displayed())
        self.assertIn("awaiting approval", self.driver.find_element(By.ID, "run-status").text)
        self.driver.set_window_size(1400, 1000)
        self.driver.save_screenshot(os.path.join(ARTIFACTS, "run-awaiting-1400.png"))
        self.driver.set_window_size(1280, 1000)
        review.click()
        self.wait.until(EC.url_to_be(BASE + "/approvals"))
        self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "[data-approval]")))
        self.assertIn("@review_me", self.driver.find_element(By.TAG_NAME, "main").text)
        self.shot("review-screen")

    def test_no_dashboard_route_answers_json_even_with_bad_ids(self):
        self.signed_in()
        bogus = "00000000-0000-4000-8000-000000000000"
        routes = ["/runs/garbage", "/runs/" + bogus, "/runs/%s/report.md" % bogus, "/runs/garbage/timeline", "/briefs/garbage",
                  "/briefs/" + bogus, "/agents/nobody", "/nowhere/at/all", "/runs/compare?run=x", "/runs?status=finished",
                  "/runs?from=yesterday", "/shared/garbage", "/media/nothing.mp4", "/assets/none.js"]
        for route in routes:
            self.driver.get(BASE + route)
            text = self.driver.find_element(By.TAG_NAME, "body").text.strip()
            self.assertFalse(text.startswith("{") or '"error"' in text, route + " answered JSON: " + text[:120])
            self.assertTrue(self.driver.find_elements(By.CSS_SELECTOR, ".error-page a.button"), route + " offers no next step")
        self.driver.get(BASE + "/runs/garbage")
        self.shot("error-page")
        # A form action that fails answers a page too.
        self.driver.get(BASE + "/briefs")
        self.driver.execute_script("document.querySelector('#brief-form').action = '/runs/%s/cancel'" % bogus)
        form = self.driver.find_element(By.ID, "brief-form")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.wait.until(replaced(form))
        self.assertTrue(self.driver.find_elements(By.CSS_SELECTOR, ".error-page"))

    def test_the_report_reads_well_and_a_share_link_works_logged_out_until_revoked(self):
        self.signed_in()
        self.create_brief("@glow_co_shop", "Spring launch")
        self.start("@glow_co_shop", "profile_audit")
        self.finished()
        self.wait.until(lambda d: d.find_element(By.ID, "report").is_displayed())
        report = self.driver.find_element(By.ID, "report-body")
        text = report.text
        self.assertIn("@glow_co_shop", text, "underscores in a handle stay")
        self.assertEqual(report.find_elements(By.CSS_SELECTOR, "em"), [], "no handle turned into italics")
        self.assertEqual(report.find_elements(By.CSS_SELECTOR, "li ul"), [], "lists are not nested into each other")
        self.assertTrue(report.find_elements(By.TAG_NAME, "blockquote"), "the brief renders as a quote, not a literal >")
        self.assertNotIn("&gt;", text)
        self.assertRegex(text, r"\d+/100")
        self.assertRegex(text, r"\d+(\.\d)?%")
        headings = [h.text for h in report.find_elements(By.TAG_NAME, "h2")][1:]
        self.assertEqual(headings[0], "How the account is doing")
        self.assertEqual(headings[-1], "What it cost")
        for leak in [".mp4", ".data/", "_id", "idempotency", "mock-"]:
            self.assertNotIn(leak, text)
        self.assertIsNone(re.search(r"\d{15,}", text), "no raw ids")
        self.assertTrue(self.driver.find_element(By.CSS_SELECTOR, "a[href$='/report.md']").is_displayed())
        run_url = self.driver.current_url
        Select(self.driver.find_element(By.ID, "share-days")).select_by_value("1")
        self.driver.find_element(By.CSS_SELECTOR, ".share-form button").click()
        self.wait.until(EC.presence_of_element_located((By.ID, "share-url")))
        url = self.driver.find_element(By.ID, "share-url").get_attribute("value")
        self.assertRegex(url, r"/shared/[0-9a-f]{64}$")
        self.assertIn("(1 day)", self.driver.find_element(By.TAG_NAME, "main").text)
        self.shot("share-created")
        self.driver.delete_all_cookies()
        self.driver.get(url)
        self.assertIn("@glow_co_shop", self.driver.find_element(By.TAG_NAME, "main").text)
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, "header nav"), [], "read-only: no navigation")
        self.shot("shared-report")
        self.signed_in()
        self.driver.get(run_url.split("#")[0])
        form = self.driver.find_element(By.CSS_SELECTOR, ".shares form")
        form.find_element(By.TAG_NAME, "button").click()
        self.wait.until(replaced(form))
        self.driver.delete_all_cookies()
        self.driver.get(url)
        self.assertIn("expired or was revoked", self.driver.find_element(By.TAG_NAME, "main").text)

    def test_a_brief_is_edited_and_deleted(self):
        self.signed_in()
        page = self.create_brief("@edit_me", "First draft")
        self.driver.find_element(By.NAME, "competitors[0]").send_keys("@rival_one")
        self.driver.find_element(By.NAME, "competitors[1]").send_keys("@rival_two")
        notes = self.driver.find_element(By.ID, "f-notes")
        notes.clear()
        notes.send_keys("Second draft")
        form = self.driver.find_element(By.ID, "brief-form")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.wait.until(replaced(form))
        main = self.driver.find_element(By.TAG_NAME, "main").text
        self.assertIn("Your changes to the brief were saved", main)
        self.assertIn("Second draft", main)
        self.assertIn("@rival_one, @rival_two", main)
        self.shot("brief-page")
        self.driver.get(BASE + "/briefs")
        self.assertIn("Daily ads budget (USD)", self.driver.find_element(By.ID, "brief-form").text)
        self.shot("briefs-page")
        self.driver.get(page)
        self.driver.find_element(By.CSS_SELECTOR, "#delete-brief summary").click()
        form = self.driver.find_element(By.CSS_SELECTOR, "#delete-brief form")
        form.find_element(By.TAG_NAME, "button").click()
        self.wait.until(replaced(form))
        self.assertIn("The brief was deleted", self.driver.find_element(By.CSS_SELECTOR, ".flash").text)
        self.driver.get(page)
        self.assertIn("Not found", self.driver.find_element(By.TAG_NAME, "h1").text)

    def test_two_runs_are_compared_and_every_page_fits_a_phone(self):
        self.signed_in()
        self.create_brief("@compare_me")
        for _ in range(2):
            self.start("@compare_me", "profile_audit")
            self.finished()
        self.driver.get(BASE + "/runs?handle=compare_me")
        boxes = self.driver.find_elements(By.CSS_SELECTOR, "input[name=run]")[:2]
        self.assertEqual(len(boxes), 2)
        for box in boxes:
            box.click()
        self.shot("runs-page")
        self.driver.find_element(By.CSS_SELECTOR, "#compare-form button[type=submit]").click()
        self.wait.until(EC.url_contains("/runs/compare"))
        main = self.driver.find_element(By.TAG_NAME, "main").text
        self.assertIn("steps differ", main)
        self.assertEqual(main.count("Profile Audit · @compare_me"), 2)
        self.shot("compare-page")
        for path, name in [("/", "overview"), ("/workflows", "workflows"), ("/workflows/run", "run-form"), ("/approvals", "approvals"),
                           ("/schedules", "schedules"), ("/alerts", "alerts"), ("/agents", "agents"), ("/agents/trend_scout", "agent"),
                           ("/accounts", "accounts"), ("/keys", "keys"), ("/spend", "spend")]:
            self.driver.get(BASE + path)
            self.shot(name)
        self.driver.set_window_size(390, 844)
        self.driver.get(BASE + "/")
        toggle = self.driver.find_element(By.ID, "menu-toggle")
        link = self.driver.find_element(By.CSS_SELECTOR, "#main-nav a[href='/briefs']")
        self.assertFalse(link.is_displayed(), "the navigation folds on a phone")
        toggle.click()
        self.wait.until(lambda d: link.is_displayed())
        link.click()
        self.wait.until(EC.url_to_be(BASE + "/briefs"))
        self.driver.set_window_size(1280, 1000)
        icon = urllib.request.urlopen(BASE + "/favicon.ico")
        self.assertEqual(icon.headers["Content-Type"].split(";")[0], "image/svg+xml")

    def test_a_custom_workflow_is_made_in_the_editor_edited_and_run(self):
        self.signed_in()
        slug = "audit_%d" % (time.time() * 1000 % 10**8)
        self.driver.get(BASE + "/workflows")
        self.assertIn("template", self.driver.find_element(By.CSS_SELECTOR, ".workflow.template[data-slug=profile_audit]").text)
        self.shot("workflows-page")
        self.driver.find_element(By.CSS_SELECTOR, ".workflow[data-slug=profile_audit] a[href$='from=profile_audit']").click()
        status = self.driver.find_element(By.ID, "editor-status")
        self.wait.until(lambda d: "Valid" in status.text)
        nodes = lambda: len(self.driver.find_elements(By.CSS_SELECTOR, "#preview .node"))
        self.assertEqual(nodes(), 6)
        for field, value in [("wf-slug", slug), ("wf-name", "Browser audit")]:
            element = self.driver.find_element(By.ID, field)
            element.clear()
            element.send_keys(value)
        self.driver.find_element(By.ID, "add-step").click()
        self.wait.until(lambda d: nodes() == 7)
        depends = self.driver.find_elements(By.CSS_SELECTOR, ".editor-step .step-depends")[-1]
        depends.clear()
        depends.send_keys("ghost")
        self.wait.until(lambda d: "unknown step ghost" in status.text)
        self.assertFalse(self.driver.find_element(By.ID, "save-workflow").is_enabled(), "an invalid workflow cannot be saved")
        self.shot("workflow-editor")
        self.driver.find_elements(By.CSS_SELECTOR, ".editor-step button")[-1].click()
        self.wait.until(lambda d: "Valid" in status.text and nodes() == 6)
        self.driver.find_element(By.ID, "save-workflow").click()
        self.wait.until(EC.url_contains("/workflows?done=saved"))
        card = self.driver.find_element(By.CSS_SELECTOR, ".workflow[data-slug='%s']" % slug)
        self.assertIn("version 1", card.text)
        card.find_element(By.LINK_TEXT, "Edit").click()
        status = self.driver.find_element(By.ID, "editor-status")
        self.wait.until(lambda d: "Valid" in status.text)
        name = self.driver.find_element(By.ID, "wf-name")
        name.clear()
        name.send_keys("Browser audit v2")
        self.wait.until(lambda d: "Valid" in status.text)
        time.sleep(0.5)
        self.driver.find_element(By.ID, "save-workflow").click()
        self.wait.until(EC.url_contains("/workflows?done=saved"))
        card = self.driver.find_element(By.CSS_SELECTOR, ".workflow[data-slug='%s']" % slug)
        self.assertIn("Browser audit v2", card.text)
        self.assertIn("version 2", card.text)
        self.create_brief("@custom_flow")
        self.start("@custom_flow", slug)
        self.finished()
        self.assertTrue(self.driver.find_element(By.TAG_NAME, "h1").text.startswith("Browser audit v2 · @custom_flow ·"))


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
