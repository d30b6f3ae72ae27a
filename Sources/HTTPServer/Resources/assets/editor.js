// The workflow editor: steps as rows, the DAG and the server's validation redrawn as you type.
const root = document.getElementById('editor');
const agents = JSON.parse(root.dataset.agents);
const initial = JSON.parse(root.dataset.initial);
const editing = root.dataset.editing;
const list = document.getElementById('steps');
const status = document.getElementById('editor-status');
const field = (id) => document.getElementById(id);
const el = (tag, attrs = {}, text) => { const e = document.createElement(tag); Object.assign(e, attrs); if (text !== undefined) e.textContent = text; return e; };
field('wf-name').value = initial.name || '';
field('wf-slug').value = initial.slug || '';
field('wf-description').value = initial.description || '';

const lines = (object) => Object.entries(object || {}).map(([k, v]) => k + ' = ' + (typeof v === 'string' ? v : JSON.stringify(v))).join('\n');
function parseLines(text, json) {
  const out = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at < 1) continue;
    const key = line.slice(0, at).trim(); const raw = line.slice(at + 1).trim();
    if (!json) { out[key] = raw; continue; }
    try { out[key] = JSON.parse(raw); } catch { out[key] = raw; }
  }
  return out;
}

let counter = 0;
function addStep(step) {
  counter += 1;
  const n = counter;
  const item = el('li', { className: 'card editor-step' });
  const key = el('input', { type: 'text', className: 'step-key', value: step.key || '', id: 'key-' + n });
  const agent = el('select', { className: 'step-agent', id: 'agent-' + n });
  for (const a of agents) agent.append(el('option', { value: a.value, selected: a.value === step.agent }, a.label));
  const depends = el('input', { type: 'text', className: 'step-depends', value: (step.depends_on || []).join(', '), id: 'dep-' + n });
  const inputs = el('textarea', { className: 'step-inputs', rows: 2, value: lines(step.input_map), id: 'in-' + n });
  const options = el('textarea', { className: 'step-options', rows: 2, value: lines(step.options), id: 'opt-' + n });
  const remove = el('button', { type: 'button', className: 'secondary small' }, 'Remove step');
  remove.addEventListener('click', () => { item.remove(); changed(); });
  const label = (text, target) => el('label', { htmlFor: target.id }, text);
  item.append(label('Step name', key), key, label('Does', agent), agent, label('After (step names, comma separated)', depends), depends,
    label('Inputs (one per line: input = source)', inputs), inputs, label('Options (one per line: option = value)', options), options, remove);
  list.append(item);
  item.addEventListener('input', changed);
  item.addEventListener('change', changed);
}
(initial.steps || []).forEach(addStep);
field('add-step').addEventListener('click', () => {
  const keys = [...list.querySelectorAll('.step-key')].map((k) => k.value).filter(Boolean);
  addStep({ key: 'step_' + (keys.length + 1), agent: agents[0].value, depends_on: keys.slice(-1) });
  changed();
});

function definition() {
  return {
    slug: field('wf-slug').value.trim(), name: field('wf-name').value.trim(), description: field('wf-description').value.trim(),
    steps: [...list.querySelectorAll('.editor-step')].map((item) => ({
      key: item.querySelector('.step-key').value.trim(), agent: item.querySelector('.step-agent').value,
      depends_on: item.querySelector('.step-depends').value.split(',').map((s) => s.trim()).filter(Boolean),
      input_map: parseLines(item.querySelector('.step-inputs').value, false),
      options: parseLines(item.querySelector('.step-options').value, true),
    })),
  };
}

const send = (method, path, body) => fetch(path, {
  method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': root.dataset.csrf }, body: JSON.stringify(body),
});
let valid = false;
let timer = null;
async function preview() {
  const response = await send('POST', '/api/dashboard/workflows/preview', definition());
  const data = await response.json();
  valid = response.ok && data.valid;
  status.textContent = valid ? 'Valid: ready to save.' : (data.error ? ErrorText(data.error) : 'Cannot check the workflow.');
  status.className = valid ? 'ok' : 'error';
  if (valid) field('preview').innerHTML = data.dag;
  field('save-workflow').disabled = !valid;
}
const ErrorText = (e) => typeof e === 'string' ? e : (e.message || 'invalid');
function changed() { clearTimeout(timer); timer = setTimeout(preview, 250); }
root.addEventListener('input', (e) => { if (e.target.id && e.target.id.startsWith('wf-')) changed(); });
field('save-workflow').addEventListener('click', async () => {
  const response = editing ? await send('PUT', '/api/dashboard/workflows/' + encodeURIComponent(editing), definition())
    : await send('POST', '/api/dashboard/workflows', definition());
  if (response.ok) { location.href = '/workflows?done=saved'; return; }
  const data = await response.json().catch(() => ({}));
  status.textContent = 'Not saved: ' + ((data.error && data.error.message) || response.statusText);
  status.className = 'error';
});
preview();
