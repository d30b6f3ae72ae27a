/// Static assets: one stylesheet and two plain JavaScript modules (no build step).
enum Assets {
    static let css = """
        :root { --ink: #16161d; --muted: #6b6b7b; --line: #e3e3ea; --bg: #f7f7fa; --accent: #fe2c55; --ok: #1a9a5b; --bad: #d7263d; --run: #2d6cdf; --wait: #d98e04; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: var(--ink); background: var(--bg); }
        header { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; padding: 10px 20px; background: #fff; border-bottom: 1px solid var(--line); }
        header nav { display: flex; flex-wrap: wrap; gap: 14px; flex: 1; }
        a { color: var(--run); } .brand { font-weight: 700; color: var(--accent); text-decoration: none; margin-right: 10px; }
        main { max-width: 1200px; margin: 0 auto; padding: 16px 20px 60px; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 14px 18px; margin: 12px 0; }
        .narrow { max-width: 480px; } .scroll { overflow-x: auto; } .muted { color: var(--muted); } .error { color: var(--bad); display: block; }
        .stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; } .big { font-size: 28px; margin: 0; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 12px; }
        table { width: 100%; border-collapse: collapse; } th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        label { display: block; font-weight: 600; margin-top: 10px; } input, select { width: 100%; padding: 8px; border: 1px solid #c9c9d4; border-radius: 8px; font: inherit; }
        button, .button { display: inline-block; margin-top: 12px; padding: 8px 14px; border: 0; border-radius: 8px; background: var(--accent); color: #fff; font: inherit; cursor: pointer; text-decoration: none; }
        button.secondary { background: #555; } form.inline { display: inline; } form.inline button { margin-top: 0; }
        button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible, .node:focus-visible { outline: 3px solid var(--run); outline-offset: 2px; }
        .filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; } .filters label { margin: 0; } .filters select { width: auto; }
        .pill { padding: 2px 8px; border-radius: 999px; font-size: 13px; background: #eee; }
        .status-succeeded { --c: var(--ok); } .status-failed, .status-rejected, .status-cancelled { --c: var(--bad); } .status-running { --c: var(--run); } .status-awaiting_approval { --c: var(--wait); }
        .pill[class*="status-"] { background: var(--c, #999); color: #fff; }
        .dag .edge { fill: none; stroke: #b8b8c8; stroke-width: 2; } .dag .node { cursor: pointer; }
        .dag .node rect { fill: #fff; stroke: var(--c, #b8b8c8); stroke-width: 2.5; } .dag .node.selected rect { fill: #fff5f7; }
        .dag .label { font-weight: 600; font-size: 13px; } .dag .detail { font-size: 12px; fill: var(--muted); } .dag .state { fill: var(--c, #777); }
        .chart .bar { fill: var(--accent); } .chart .axis { font-size: 12px; fill: var(--ink); }
        .trace-call { border-top: 1px solid var(--line); padding: 8px 0; } pre { white-space: pre-wrap; word-break: break-word; background: var(--bg); padding: 8px; border-radius: 8px; max-height: 320px; overflow: auto; }
        .notes { max-width: 360px; overflow-wrap: anywhere; } .flash, .notice { background: #fff3cd; padding: 8px 12px; border-radius: 8px; }
        @media (max-width: 640px) { main { padding: 10px; } th:nth-child(n+6), td:nth-child(n+6) { display: none; } }
        """

    static let runJS = """
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
        for (const name of ['workflow_step.started', 'workflow_step.succeeded', 'workflow_step.failed', 'workflow_step.awaiting_approval']) source.addEventListener(name, stepEvent);
        source.addEventListener('workflow_run.completed', async (e) => {
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
        """

    static let approvalsJS = """
        const list = document.getElementById('approvals');
        async function refresh() {
          const response = await fetch('/api/dashboard/approvals?status=pending');
          if (!response.ok) return;
          const pending = new Set((await response.json()).items.map((a) => a.id));
          for (const card of list.querySelectorAll('[data-approval]')) {
            if (!pending.has(card.dataset.approval)) {
              const note = document.createElement('p'); note.className = 'muted decided'; note.textContent = 'Decided by someone else.';
              card.replaceChildren(note); card.removeAttribute('data-approval');
            }
          }
        }
        setInterval(refresh, 3000);
        """
}
