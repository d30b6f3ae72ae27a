import Mustache

/// The dashboard's Mustache templates (escaped by default; `{{{...}}}` only for HTML the server
/// built and escaped itself).
enum Templates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in all { try! library.register(text, named: name) }
        return library
    }()

    static func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }

    static let all: [(String, String)] = [
        ("layout", """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{title}} · TikTok Army</title><link rel="stylesheet" href="/assets/app.css"></head>
            <body>
            {{#signedIn}}<header><a class="brand" href="/">TikTok Army</a><nav aria-label="Main">
            <a href="/">Overview</a><a href="/briefs">Briefs</a><a href="/workflows">Workflows</a><a href="/runs">Runs</a>
            <a href="/approvals">Approvals</a><a href="/agents">Agents</a><a href="/keys">Keys</a></nav>
            <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Log out</button></form></header>{{/signedIn}}
            <main id="main"><h1>{{title}}</h1>{{#flash}}<p class="flash" role="alert">{{flash}}</p>{{/flash}}{{{body}}}</main>
            </body></html>
            """),
        ("login", """
            <form method="post" action="/login" class="card narrow">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="key">API key</label>
            <input id="key" name="key" type="password" autocomplete="off" required placeholder="tta_...">
            <button type="submit">Log in</button>
            </form>
            """),
        ("overview", """
            {{#notices}}<p class="notice" role="alert">{{.}}</p>{{/notices}}
            <section class="stats">
            <div class="card"><h2>Cost today</h2><p class="big">{{costToday}}</p></div>
            <div class="card"><h2>Cost this week</h2><p class="big">{{costWeek}}</p></div>
            <div class="card"><h2>Pending approvals</h2><p class="big"><a href="/approvals">{{pendingCount}}</a></p></div>
            </section>
            <section class="card"><h2>Recent runs</h2>{{> runTable}}</section>
            <section class="card"><h2>Failed runs</h2>{{#failed}}<p><a href="/runs/{{id}}">{{workflow}} · {{handle}}</a> <span class="muted">{{error}}</span></p>{{/failed}}{{^failed}}<p class="muted">None.</p>{{/failed}}</section>
            <section class="card"><h2>Cost per day</h2>{{{perDay}}}</section>
            <section class="card"><h2>Cost per agent</h2>{{{perAgent}}}</section>
            <section class="card"><h2>Cost per model (30 days)</h2>{{{perModel}}}</section>
            """),
        ("runTable", """
            <table><thead><tr><th>Run</th><th>Workflow</th><th>Handle</th><th>Status</th><th>Cost</th><th>Duration</th><th>Started</th></tr></thead><tbody>
            {{#runs}}<tr><td><a href="/runs/{{id}}">{{shortId}}</a></td><td>{{workflow}}</td><td>{{handle}}</td><td><span class="pill status-{{status}}">{{statusLabel}}</span></td><td>{{cost}}</td><td>{{duration}}</td><td>{{created}}</td></tr>{{/runs}}
            {{^runs}}<tr><td colspan="7" class="muted">No runs yet.</td></tr>{{/runs}}
            </tbody></table>
            """),
        ("briefs", """
            <section class="card"><h2>New brief</h2>
            <form method="post" action="/briefs" id="brief-form" novalidate>
            <input type="hidden" name="csrf" value="{{csrf}}">
            {{#fields}}<div class="field"><label for="f-{{name}}">{{label}}{{#required}} <span aria-hidden="true">*</span>{{/required}}</label>
            {{#isChoice}}<select id="f-{{name}}" name="{{name}}">{{#choices}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/choices}}</select>{{/isChoice}}
            {{#isText}}<input id="f-{{name}}" name="{{name}}" type="{{inputType}}" value="{{value}}"{{#required}} required{{/required}} aria-describedby="h-{{name}}">{{/isText}}
            <small id="h-{{name}}" class="muted">{{help}}</small>{{#error}}<small class="error" role="alert">{{error}}</small>{{/error}}</div>{{/fields}}
            <button type="submit">Create brief</button></form></section>
            <section class="card"><h2>Briefs</h2><table><thead><tr><th>Handle</th><th>Type</th><th>Notes</th><th>Status</th><th></th></tr></thead><tbody>
            {{#briefs}}<tr><td>{{handle}}</td><td>{{targetType}}</td><td class="notes">{{notes}}</td><td>{{status}}</td><td><a href="/workflows/run?brief_id={{id}}">Run…</a></td></tr>{{/briefs}}
            </tbody></table></section>
            """),
        ("workflows", """
            {{#workflows}}<section class="card"><h2>{{name}} <span class="muted">{{slug}}</span></h2><p>{{description}}</p><div class="scroll">{{{dag}}}</div>
            <a class="button" href="/workflows/run?workflow={{slug}}">Run {{name}}</a></section>{{/workflows}}
            """),
        ("runForm", """
            <form method="post" action="/workflows/run" class="card narrow">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="brief">Brief</label><select id="brief" name="brief_id" required>{{#briefs}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{handle}} · {{created}}</option>{{/briefs}}</select>
            <label for="workflow">Workflow</label><select id="workflow" name="workflow_slug">{{#workflows}}<option value="{{slug}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/workflows}}</select>
            <button type="submit">Start run</button></form>
            """),
        ("runs", """
            <form method="get" action="/runs" class="filters"><label for="status">Status</label><select id="status" name="status"><option value="">any</option>{{#statuses}}<option{{#selected}} selected{{/selected}}>{{value}}</option>{{/statuses}}</select>
            <label for="wf">Workflow</label><select id="wf" name="workflow"><option value="">any</option>{{#workflows}}<option{{#selected}} selected{{/selected}}>{{value}}</option>{{/workflows}}</select><button type="submit">Filter</button></form>
            <section class="card">{{> runTable}}</section>
            """),
        ("run", """
            <p><span class="pill status-{{status}}" id="run-status">{{statusLabel}}</span> {{workflow}} for <strong>{{handle}}</strong> · <span id="run-cost">{{cost}}</span> · {{duration}}</p>
            {{#error}}<p class="error">{{error}}</p>{{/error}}
            <div class="actions">{{#canCancel}}<form method="post" action="/runs/{{id}}/cancel" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Cancel run</button></form>{{/canCancel}}
            {{#failedSteps}}<form method="post" action="/runs/{{id}}/steps/{{key}}/retry" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Retry {{key}}</button></form>{{/failedSteps}}
            {{#awaiting}}<a class="button" href="/approvals">Review approval</a>{{/awaiting}}</div>
            <section class="card scroll" id="dag" data-run="{{id}}" data-last="{{lastSeq}}">{{{dag}}}</section>
            <section class="card" id="trace" aria-live="polite"><h2>Trace</h2><p class="muted">Select a step to see every Claude and provider call.</p></section>
            <section class="card report" id="report">{{#hasReport}}<h2>Report</h2>{{{reportHTML}}}{{/hasReport}}</section>
            {{#hasDecisions}}<section class="card" id="decisions"><h2>Decisions</h2><ul>{{#decisions}}<li>{{.}}</li>{{/decisions}}</ul></section>{{/hasDecisions}}
            <script type="module" src="/assets/run.js"></script>
            """),
        ("approvals", """
            <div id="approvals">{{#approvals}}<section class="card approval" data-approval="{{id}}"><h2>{{title}}</h2>
            <p class="muted">Run <a href="/runs/{{runId}}">{{shortRun}}</a> · step {{stepKey}} · {{created}}</p>
            {{#budget}}<p>Budget: <strong>{{budget}}</strong> per day</p>{{/budget}}
            {{#items}}<details open><summary>{{heading}}</summary><ul>{{#lines}}<li>{{.}}</li>{{/lines}}</ul></details>{{/items}}
            <form method="post" action="/approvals/{{id}}/decide"><input type="hidden" name="csrf" value="{{csrf}}">
            <label for="note-{{id}}">Note</label><input id="note-{{id}}" name="note" type="text" maxlength="2000">
            <button type="submit" name="decision" value="approve">Approve</button> <button type="submit" name="decision" value="reject" class="secondary">Reject</button></form></section>{{/approvals}}
            {{^approvals}}<p class="muted" id="empty">Nothing is waiting for approval.</p>{{/approvals}}</div>
            <script type="module" src="/assets/approvals.js"></script>
            """),
        ("keys", """
            <section class="card"><h2>Create a key</h2>
            <form method="post" action="/keys" id="key-form"><input type="hidden" name="csrf" value="{{csrf}}">
            <label for="key-name">Name</label><input id="key-name" name="name" required maxlength="100" placeholder="ci, agency, intern">
            <label for="key-role">Role</label><select id="key-role" name="role">{{#roles}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/roles}}</select>
            <p class="muted">admin: keys, caps and settings · operator: briefs, runs and approvals · viewer: read only</p>
            <button type="submit">Create key</button></form></section>
            <section class="card"><h2>Keys</h2><table><thead><tr><th>Name</th><th>Role</th><th>Key</th><th>Created</th><th>State</th><th></th></tr></thead><tbody>
            {{#keys}}<tr><td>{{name}}</td><td>{{role}}</td><td><code>{{prefix}}…</code></td><td>{{created}}</td><td>{{#revoked}}revoked {{.}}{{/revoked}}{{^revoked}}active{{/revoked}}</td>
            <td>{{^revoked}}{{^isSelf}}<form method="post" action="/keys/{{id}}/revoke"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="secondary">Revoke</button></form>{{/isSelf}}{{#isSelf}}<span class="muted">this session's key</span>{{/isSelf}}{{/revoked}}</td></tr>{{/keys}}
            </tbody></table></section>
            """),
        ("agents", """
            <div class="grid">{{#agents}}<section class="card"><h2><a href="/agents/{{name}}">{{title}}</a></h2><p>{{description}}</p><p class="muted">{{workflows}}</p></section>{{/agents}}</div>
            """),
        ("agent", """
            <section class="card"><p>{{description}}</p>
            <p>Runs: {{runs}} · average cost {{avgCost}} · average latency {{avgLatency}}</p>
            <h2>Inputs</h2><ul>{{#inputs}}<li><code>{{name}}</code> ({{type}}{{#required}}, required{{/required}}) — {{description}}</li>{{/inputs}}</ul>
            <h2>Outputs</h2><ul>{{#outputs}}<li><code>{{name}}</code> ({{type}}) — {{description}}</li>{{/outputs}}</ul>
            {{#touchpoints}}<h2>Human touchpoints</h2><ul>{{#items}}<li>{{.}}</li>{{/items}}</ul>{{/touchpoints}}</section>
            <section class="card"><h2>Model</h2>
            <p>Uses <strong id="effective-model">{{effectiveModel}}</strong>{{^chosen}} (the default for {{tier}}-tier agents){{/chosen}}{{#chosen}} (chosen for this workspace; the {{tier}}-tier default is {{defaultModel}}){{/chosen}}.</p>
            <form method="post" action="/agents/{{name}}/model"><input type="hidden" name="csrf" value="{{csrf}}">
            <label for="model">Model for this workspace</label>
            <select id="model" name="model"><option value="">Default ({{defaultModel}})</option>{{#modelOptions}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{id}} — {{price}}</option>{{/modelOptions}}</select>
            <button type="submit">Save model</button></form></section>
            <section class="card"><h2>Recent runs</h2><table><thead><tr><th>When</th><th>Status</th><th>Cost</th><th>Latency</th></tr></thead><tbody>
            {{#recent}}<tr><td>{{when}}</td><td>{{status}}</td><td>{{cost}}</td><td>{{latency}}</td></tr>{{/recent}}</tbody></table></section>
            """),
    ]
}
