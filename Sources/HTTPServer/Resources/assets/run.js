const dag = document.getElementById('dag');
const runId = dag.dataset.run;
const trace = document.getElementById('trace');
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
const money = (v) => '$' + Number(v || 0).toFixed(4);

function setStatus(node, status, detail) {
  node.setAttribute('class', 'node status-' + status + (node.classList.contains('selected') ? ' selected' : ''));
  node.querySelector('.state').textContent = status.replace('_', ' ');
  if (detail !== undefined) node.querySelector('.cost').textContent = detail;
  node.setAttribute('aria-label', node.dataset.step + ' ' + status);
}

const source = new EventSource('/api/dashboard/workflows/runs/' + runId + '/stream?after=' + (dag.dataset.last || 0));
const stepEvent = (e) => {
  const msg = JSON.parse(e.data); const d = msg.data || {};
  const node = dag.querySelector('[data-step="' + CSS.escape(d.step_key || '') + '"]');
  if (!node) return;
  const status = e.type.split('.')[1];
  if (status === 'succeeded') {
    if (d.agent_run_id) node.dataset.agentRun = d.agent_run_id;
    setStatus(node, 'succeeded', money(d.cost_usd) + ' · ' + (d.latency_ms || 0) + ' ms');
  } else if (status === 'failed') {
    setStatus(node, d.will_retry ? 'pending' : 'failed', d.will_retry ? 'retrying' : '');
  } else if (status === 'started') { setStatus(node, 'running', ''); }
  else if (status === 'awaiting_approval') {
    setStatus(node, 'awaiting_approval', '');
    const pill = document.getElementById('run-status');
    pill.textContent = 'awaiting approval'; pill.className = 'pill status-awaiting_approval';
  }
};
for (const name of dag.dataset.stepEvents.split(' ')) source.addEventListener(name, stepEvent);
source.addEventListener(dag.dataset.completedEvent, async (e) => {
  const msg = JSON.parse(e.data); source.close();
  const pill = document.getElementById('run-status');
  pill.textContent = msg.data.status.replace('_', ' '); pill.className = 'pill status-' + msg.data.status;
  document.getElementById('run-cost').textContent = money(msg.data.total_cost_usd);
  document.querySelectorAll('form[action$="/cancel"]').forEach((f) => f.remove());
  const response = await fetch('/runs/' + runId + '/report');
  if (response.ok) document.getElementById('report').innerHTML = await response.text();
});

async function showTrace(node) {
  dag.querySelectorAll('.node.selected').forEach((n) => n.classList.remove('selected'));
  node.classList.add('selected');
  trace.replaceChildren(el('h2', 'Trace · ' + node.dataset.step));
  if (!node.dataset.agentRun) { trace.append(el('p', 'This step has no agent run yet.', 'muted')); return; }
  const response = await fetch('/api/dashboard/agent-runs/' + node.dataset.agentRun + '/steps');
  if (!response.ok) { trace.append(el('p', 'Could not load the trace.', 'error')); return; }
  const data = await response.json();
  trace.append(el('p', data.agent_run.agent_name + ' · ' + data.agent_run.status + ' · ' + money(data.agent_run.cost_usd) + ' · ' + data.agent_run.latency_ms + ' ms', 'muted'));
  for (const step of data.steps) {
    const box = el('div', undefined, 'trace-call'); box.dataset.kind = step.kind;
    box.append(el('h3', '#' + step.step_index + ' ' + step.kind + ' · ' + step.name + (step.model ? ' · ' + step.model : '')));
    if (step.kind === 'llm_call') {
      box.append(el('p', 'input ' + step.input_tokens + ' · output ' + step.output_tokens + ' · cache write ' + step.cache_creation_input_tokens + ' · cache read ' + step.cache_read_input_tokens + ' · ' + money(step.cost_usd) + ' · ' + step.latency_ms + ' ms', 'muted tokens'));
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
