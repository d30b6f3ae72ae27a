"""Drives the dashboard in headless Chromium against a real server on the embedded database.

Run by scripts/test.sh after the Swift suites: python3 tests/browser/test_dashboard.py
"""
import os
import re
import subprocess
import sys
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
        env = dict(os.environ, CLAUDE_MOCK_LATENCY_MS="200", LOG_LEVEL="warning", ADS_DAILY_CAP_USD="1000000", CLAUDE_DAILY_CAP_USD="100000")
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
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"]:
            options.add_argument(argument)
        cls.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        cls.wait = WebDriverWait(cls.driver, 60)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.server.terminate()
        cls.server.wait(timeout=30)

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
        self.assertIn(handle, self.driver.find_element(By.CSS_SELECTOR, "table").text)

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
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#dag .node")) == 6
                        and all("status-succeeded" in n.get_attribute("class") for n in d.find_elements(By.CSS_SELECTOR, "#dag .node")))
        self.assertTrue(self.driver.execute_script("return window.__sameDocument === true"), "the DAG updated without a reload")
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "report"), "@selenium_brand"))
        self.assertIn("<script>", self.driver.find_element(By.ID, "report").text, "the note in the report is shown as text")
        self.assertIsNone(self.driver.execute_script("return window.__xss"))
        self.assertEqual(self.driver.execute_script("return document.querySelectorAll('#report [onerror], #report script').length"), 0)
        hrefs = self.driver.execute_script("return [...document.querySelectorAll('#report a')].map(a => a.href)")
        self.assertTrue(hrefs and all(not h.lower().startswith("javascript") for h in hrefs), hrefs)
        self.driver.find_element(By.CSS_SELECTOR, '#dag .node[data-step="trend_scout"]').click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "trace"), "System prompt"))
        trace = self.driver.find_element(By.ID, "trace").text
        self.assertIn("llm_call", trace)
        self.assertRegex(trace, r"input \d+ · output \d+ · cache write \d+ · cache read \d+")
        self.driver.save_screenshot(os.path.join(ARTIFACTS, "run-page.png"))

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


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
