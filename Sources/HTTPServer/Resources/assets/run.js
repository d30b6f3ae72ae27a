const dag = document.getElementById('dag');
const runId = dag.dataset.run;
const trace = document.getElementById('trace');
const head = document.getElementById('run-head');
const failures = document.getElementById('failures');
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
const money = (v, digits) => {
  const n = Number(v || 0);
  if (!digits && n > 0 && n < 0.005) return '<$0.01';
  return '$' + n.toLocaleString('en-US', { minimumFractionDigits: digits || 2, maximumFractionDigits: digits || 2 });
};
const duration = (ms) => {
  if (ms < 1000) return Math.round(ms) + ' ms';
  const s = ms / 1000;
  if (s < 60) return s.toFixed(1).replace(/\.0$/, '') + ' s';
  const t = Math.round(s);
  if (t < 3600) return Math.floor(t / 60) + ' min ' + String(t % 60).padStart(2, '0') + ' s';
  return Math.floor(t / 3600) + ' h ' + Math.floor((t % 3600) / 60) + ' min';
};
const nodes = (key) => dag.querySelectorAll('[data-step="' + CSS.escape(key || '') + '"]');

let cost = Number(head.dataset.cost || 0);
const started = Number(head.dataset.started);
let completed = Number(head.dataset.completed || 0);
const costEl = document.getElementById('run-cost');
const elapsedEl = document.getElementById('run-elapsed');
const tick = () => { elapsedEl.textContent = duration((completed || Date.now()) - started); };
const clock = completed ? null : setInterval(tick, 1000);
if (!completed) tick();

function setStatus(node, status, detail) {
  node.classList.forEach((c) => { if (c.startsWith('status-')) node.classList.remove(c); });
  node.classList.add('status-' + status);
  node.querySelector('.state').textContent = status.replace('_', ' ');
  if (detail !== undefined) node.querySelector('.cost').textContent = detail;
  node.setAttribute('aria-label', node.dataset.step + ' ' + status.replace('_', ' '));
}

function setRunStatus(status) {
  const pill = document.getElementById('run-status');
  pill.textContent = status.replace('_', ' '); pill.className = 'pill status-' + status;
}

function showFailure(key, message) {
  if (failures.querySelector('.failure[data-step="' + CSS.escape(key) + '"]')) return;
  const box = el('div', undefined, 'failure card'); box.dataset.step = key;
  const text = el('p', undefined, 'error'); text.append(el('strong', key), ' failed: ' + (message || 'it failed without a message'));
  const form = el('form', undefined, 'inline'); form.method = 'post'; form.action = '/runs/' + runId + '/steps/' + encodeURIComponent(key) + '/retry';
  const csrf = el('input'); csrf.type = 'hidden'; csrf.name = 'csrf'; csrf.value = failures.dataset.csrf;
  const button = el('button', 'Retry ' + key); button.type = 'submit';
  form.append(csrf, button); box.append(text, form); failures.append(box);
  nodes(key).forEach((n) => n.scrollIntoView({ block: 'nearest', inline: 'center' }));
}

let redraw = null;
const refreshTimeline = () => {
  clearTimeout(redraw);
  redraw = setTimeout(async () => {
    const box = document.getElementById('timeline');
    const response = await fetch(box.dataset.src);
    if (response.ok) box.innerHTML = await response.text();
  }, 250);
};

const source = new EventSource('/api/dashboard/workflows/runs/' + runId + '/stream?after=' + (dag.dataset.last || 0));
const stepEvent = (e) => {
  const msg = JSON.parse(e.data); const d = msg.data || {};
  const status = e.type.split('.')[1];
  nodes(d.step_key).forEach((node) => {
    if (status === 'succeeded') {
      if (d.agent_run_id) node.dataset.agentRun = d.agent_run_id;
      setStatus(node, 'succeeded', money(d.cost_usd) + ' · ' + duration(d.latency_ms || 0));
    } else if (status === 'failed') {
      setStatus(node, d.will_retry ? 'pending' : 'failed', d.will_retry ? 'retrying' : '');
    } else if (status === 'started') { setStatus(node, 'running', ''); }
    else if (status === 'awaiting_approval') { setStatus(node, 'awaiting_approval', ''); }
  });
  if (status === 'succeeded') { cost += Number(d.cost_usd || 0); costEl.textContent = money(cost); }
  if (status === 'failed' && !d.will_retry && d.kind !== 'approval') showFailure(d.step_key, d.error);
  if (status === 'started') failures.querySelector('.failure[data-step="' + CSS.escape(d.step_key || '') + '"]')?.remove();
  if (status === 'awaiting_approval') {
    setRunStatus('awaiting_approval');
    const review = document.getElementById('review-approval'); review.hidden = false;
    nodes(d.step_key).forEach((n) => n.scrollIntoView({ block: 'nearest', inline: 'center' }));
  } else if (status === 'started') { setRunStatus('running'); document.getElementById('review-approval').hidden = true; }
  refreshTimeline();
};
for (const name of dag.dataset.stepEvents.split(' ')) source.addEventListener(name, stepEvent);
source.addEventListener(dag.dataset.completedEvent, async (e) => {
  const msg = JSON.parse(e.data);
  setRunStatus(msg.data.status);
  cost = Number(msg.data.total_cost_usd || cost); costEl.textContent = money(cost);
  completed = Date.now(); if (clock) clearInterval(clock); tick();
  document.getElementById('cancel')?.remove();
  for (const id of ['replay', 'evaluate']) { const action = document.getElementById(id); if (action) action.hidden = false; }
  document.getElementById('review-approval').hidden = true;
  if (msg.data.error && !failures.querySelector('.run-error')) failures.prepend(el('p', msg.data.error, 'error run-error'));
  refreshTimeline();
  const response = await fetch('/runs/' + runId + '/report');
  if (response.ok) {
    const html = await response.text();
    if (html) { document.getElementById('report-body').innerHTML = html; document.getElementById('report').hidden = false; }
  }
});

async function showTrace(node) {
  dag.querySelectorAll('.node.selected').forEach((n) => n.classList.remove('selected'));
  nodes(node.dataset.step).forEach((n) => n.classList.add('selected'));
  history.replaceState(null, '', '#step=' + encodeURIComponent(node.dataset.step));
  trace.replaceChildren(el('h2', 'Trace · ' + node.dataset.step));
  if (!node.dataset.agentRun) { trace.append(el('p', 'This step has no agent run yet.', 'muted')); return; }
  const response = await fetch('/api/dashboard/agent-runs/' + node.dataset.agentRun + '/steps');
  if (!response.ok) { trace.append(el('p', 'Could not load the trace.', 'error')); return; }
  const data = await response.json();
  trace.append(el('p', data.agent_run.agent_name + ' · ' + data.agent_run.status + ' · ' + money(data.agent_run.cost_usd, 4) + ' · ' + duration(data.agent_run.latency_ms), 'muted'));
  for (const step of data.steps) {
    const box = el('div', undefined, 'trace-call'); box.dataset.kind = step.kind;
    box.append(el('h3', '#' + step.step_index + ' ' + step.kind + ' · ' + step.name + (step.model ? ' · ' + step.model : '')));
    if (step.kind === 'llm_call') {
      box.append(el('p', 'input ' + step.input_tokens + ' · output ' + step.output_tokens + ' · cache write ' + step.cache_creation_input_tokens + ' · cache read ' + step.cache_read_input_tokens + ' · ' + money(step.cost_usd, 4) + ' · ' + step.latency_ms + ' ms', 'muted tokens'));
      box.append(el('h4', 'System prompt'), el('pre', step.system_prompt || ''), el('h4', 'User prompt'), el('pre', step.user_prompt || ''), el('h4', 'Response'), el('pre', step.response_text || '', 'response'));
    } else {
      box.append(el('pre', JSON.stringify(step.response ?? step.request ?? {}, null, 2)));
    }
    if (step.error) box.append(el('p', step.error, 'error'));
    trace.append(box);
  }
}
dag.addEventListener('click', (e) => { const node = e.target.closest('.node'); if (node) showTrace(node); });
dag.addEventListener('keydown', (e) => { const node = e.target.closest('.node'); if (node && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); showTrace(node); } });
const linked = decodeURIComponent((location.hash.match(/^#step=(.+)$/) || [])[1] || '');
if (linked) { const node = nodes(linked)[0]; if (node) showTrace(node); }
document.getElementById('print-report')?.addEventListener('click', () => window.print());
