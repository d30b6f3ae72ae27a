/// The OpenAPI 3.1 description of every route, served at `/openapi.yaml`.
enum OpenAPIDocument {
    static let yaml = """
        openapi: 3.1.0
        info:
          title: TikTok Army
          version: "1.0"
          description: "Runs LLM agent armies for TikTok brands. Every error is {error: {code, message}}."
        servers:
          - url: http://127.0.0.1:8080
        security:
          - bearer: []
        paths:
          /health:
            get:
              summary: "Liveness"
              operationId: get_health
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
          /ready:
            get:
              summary: "Readiness: the database answers"
              operationId: get_ready
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /metrics:
            get:
              summary: "Prometheus metrics (Authorization: Bearer METRICS_TOKEN; 404 when no token is configured)"
              operationId: get_metrics
              responses:
                '200':
                  description: OK
                  content:
                    text/plain:
                      schema:
                        type: string
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
          /openapi.yaml:
            get:
              summary: "This document"
              operationId: get_openapi_yaml
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    application/yaml:
                      schema:
                        type: string
          /api/dashboard/briefs:
            post:
              summary: "Create a brief"
              operationId: post_briefs
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: '#/components/schemas/BriefCreate'
              responses:
                '201':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
            get:
              summary: "List briefs (newest first, cursor-paginated)"
              operationId: get_briefs
              parameters:
                - name: limit
                  in: query
                  schema:
                    type: integer
                    minimum: 1
                    maximum: 100
                - name: cursor
                  in: query
                  schema:
                    type: string
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/briefs/{id}:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
                  format: uuid
            get:
              summary: "Get a brief"
              operationId: get_briefs_id
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/workflows:
            get:
              summary: "Workflow definitions"
              operationId: get_workflows
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/workflows/{slug}:
            parameters:
              - name: slug
                in: path
                required: true
                schema:
                  type: string
            get:
              summary: "One workflow definition"
              operationId: get_workflows_slug
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/workflows/run:
            post:
              summary: "Start a run of a workflow on a brief"
              operationId: post_workflows_run
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: '#/components/schemas/RunStart'
              responses:
                '202':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/workflows/runs:
            get:
              summary: "List runs"
              operationId: get_workflows_runs
              parameters:
                - name: limit
                  in: query
                  schema:
                    type: integer
                    minimum: 1
                    maximum: 100
                - name: cursor
                  in: query
                  schema:
                    type: string
                - name: status
                  in: query
                  schema:
                    type: string
                    enum: [pending, running, awaiting_approval, succeeded, failed, cancelled, rejected]
                - name: workflow
                  in: query
                  schema:
                    type: string
                - name: brief_id
                  in: query
                  schema:
                    type: string
                    format: uuid
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/workflows/runs/{id}:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
                  format: uuid
            get:
              summary: "A run with its steps, report and totals"
              operationId: get_workflows_runs_id
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/workflows/runs/{id}/stream:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
                  format: uuid
            get:
              summary: "Server-sent events of a run"
              operationId: get_workflows_runs_id_stream
              parameters:
                - name: Last-Event-ID
                  in: header
                  schema:
                    type: string
                - name: after
                  in: query
                  schema:
                    type: integer
                    minimum: 0
              responses:
                '200':
                  description: OK
                  content:
                    text/event-stream:
                      schema:
                        type: string
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/workflows/runs/{id}/cancel:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
                  format: uuid
            post:
              summary: "Cancel a run"
              operationId: post_workflows_runs_id_cancel
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/workflows/runs/{id}/steps/{step_key}/retry:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
                  format: uuid
              - name: step_key
                in: path
                required: true
                schema:
                  type: string
            post:
              summary: "Retry a failed step"
              operationId: post_workflows_runs_id_steps_step_key_retry
              responses:
                '202':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/agent-runs/{id}/steps:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
                  format: uuid
            get:
              summary: "The full trace of an agent run"
              operationId: get_agent_runs_id_steps
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/approvals:
            get:
              summary: "Approval queue"
              operationId: get_approvals
              parameters:
                - name: limit
                  in: query
                  schema:
                    type: integer
                    minimum: 1
                    maximum: 100
                - name: cursor
                  in: query
                  schema:
                    type: string
                - name: status
                  in: query
                  schema:
                    type: string
                    enum: [pending, approved, rejected, all]
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/approvals/{id}:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
                  format: uuid
            get:
              summary: "One approval"
              operationId: get_approvals_id
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/approvals/{id}/approve:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
                  format: uuid
            post:
              summary: "Approve"
              operationId: post_approvals_id_approve
              requestBody:
                required: false
                content:
                  application/json:
                    schema:
                      $ref: '#/components/schemas/Decision'
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/approvals/{id}/reject:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
                  format: uuid
            post:
              summary: "Reject"
              operationId: post_approvals_id_reject
              requestBody:
                required: false
                content:
                  application/json:
                    schema:
                      $ref: '#/components/schemas/Decision'
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/agents/catalog:
            get:
              summary: "The agent catalog"
              operationId: get_agents_catalog
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/models:
            get:
              summary: "Every Claude model: prices, cache multipliers, minimum cacheable prefix, retirement, status"
              operationId: get_models
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/agents/models:
            get:
              summary: "The model of every agent of the workspace: tier, default, choice, effective"
              operationId: get_agents_models
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/agents/{name}/model:
            parameters:
              - name: name
                in: path
                required: true
                schema:
                  type: string
            put:
              summary: "Choose the agent's model for the workspace (null: the tier's default)"
              operationId: put_agents_name_model
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [model]
                      additionalProperties: false
                      properties:
                        model:
                          type: [string, "null"]
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/agents/{name}:
            parameters:
              - name: name
                in: path
                required: true
                schema:
                  type: string
            get:
              summary: "An agent's spec, recent runs and averages"
              operationId: get_agents_name
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/media/{file}:
            parameters:
              - name: file
                in: path
                required: true
                schema:
                  type: string
            get:
              summary: "A produced video of the workspace, by asset id ({asset_id}.mp4)"
              operationId: get_media_file
              responses:
                '200':
                  description: OK
                  content:
                    video/mp4:
                      schema:
                        type: string
                        format: binary
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/keys:
            get:
              summary: "The workspace's API keys (admin)"
              operationId: get_keys
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '403':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
            post:
              summary: "Create a key with a role (admin); the plaintext is answered once"
              operationId: post_keys
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [name, role]
                      additionalProperties: false
                      properties:
                        name:
                          type: string
                          minLength: 1
                          maxLength: 100
                        role:
                          type: string
                          enum: [admin, operator, viewer]
              responses:
                '201':
                  description: Created
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '403':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/keys/{id}/revoke:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
                  format: uuid
            post:
              summary: "Revoke a key (admin); every process refuses it at once"
              operationId: post_keys_id_revoke
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '403':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/overview:
            get:
              summary: "Recent runs, pending approvals, costs, failures"
              operationId: get_overview
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /api/dashboard/copilot:
            post:
              summary: "Chat-style operations"
              operationId: post_copilot
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: '#/components/schemas/CopilotMessage'
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /webhooks/tiktok:
            post:
              summary: "TikTok Login Kit webhook (TikTok-Signature HMAC with the client secret)"
              operationId: post_webhooks_tiktok
              security: []
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: '#/components/schemas/TikTokEvent'
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /webhooks/tiktok-business:
            post:
              summary: "TikTok API for Business webhook: comment.update (TikTok-Signature HMAC with the Business app secret)"
              operationId: post_webhooks_tiktok_business
              security: []
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: '#/components/schemas/TikTokEvent'
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /webhooks/pubsub:
            post:
              summary: "Pub/Sub push (Google OIDC bearer)"
              operationId: post_webhooks_pubsub
              security: []
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: '#/components/schemas/PubSubPush'
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /internal/steps/run:
            post:
              summary: "Cloud Tasks step delivery (Google OIDC bearer)"
              operationId: post_internal_steps_run
              security: []
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: '#/components/schemas/StepTask'
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                '400':
                  $ref: '#/components/responses/Error'
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
                '409':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
                '503':
                  $ref: '#/components/responses/Error'
          /:
            get:
              summary: "Dashboard page (HTML)"
              operationId: page_get_
              tags: [dashboard]
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    text/html:
                      schema:
                        type: string
          /login:
            get:
              summary: "Dashboard page (HTML)"
              operationId: page_get_login
              tags: [dashboard]
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    text/html:
                      schema:
                        type: string
            post:
              summary: "Dashboard page (form post, CSRF token required)"
              operationId: page_post_login
              tags: [dashboard]
              security: []
              requestBody:
                content:
                  application/x-www-form-urlencoded:
                    schema:
                      type: object
              responses:
                '303':
                  description: Redirect after the action
                '400':
                  $ref: '#/components/responses/Error'
                '403':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
          /logout:
            post:
              summary: "Dashboard page (form post, CSRF token required)"
              operationId: page_post_logout
              tags: [dashboard]
              security: []
              requestBody:
                content:
                  application/x-www-form-urlencoded:
                    schema:
                      type: object
              responses:
                '303':
                  description: Redirect after the action
                '400':
                  $ref: '#/components/responses/Error'
                '403':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
          /briefs:
            get:
              summary: "Dashboard page (HTML)"
              operationId: page_get_briefs
              tags: [dashboard]
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    text/html:
                      schema:
                        type: string
            post:
              summary: "Dashboard page (form post, CSRF token required)"
              operationId: page_post_briefs
              tags: [dashboard]
              security: []
              requestBody:
                content:
                  application/x-www-form-urlencoded:
                    schema:
                      type: object
              responses:
                '303':
                  description: Redirect after the action
                '400':
                  $ref: '#/components/responses/Error'
                '403':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
          /workflows:
            get:
              summary: "Dashboard page (HTML)"
              operationId: page_get_workflows
              tags: [dashboard]
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    text/html:
                      schema:
                        type: string
          /workflows/run:
            get:
              summary: "Dashboard page (HTML)"
              operationId: page_get_workflows_run
              tags: [dashboard]
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    text/html:
                      schema:
                        type: string
            post:
              summary: "Dashboard page (form post, CSRF token required)"
              operationId: page_post_workflows_run
              tags: [dashboard]
              security: []
              requestBody:
                content:
                  application/x-www-form-urlencoded:
                    schema:
                      type: object
              responses:
                '303':
                  description: Redirect after the action
                '400':
                  $ref: '#/components/responses/Error'
                '403':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
          /runs:
            get:
              summary: "Dashboard page (HTML)"
              operationId: page_get_runs
              tags: [dashboard]
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    text/html:
                      schema:
                        type: string
          /runs/{id}:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
            get:
              summary: "Dashboard page (HTML)"
              operationId: page_get_runs_id
              tags: [dashboard]
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    text/html:
                      schema:
                        type: string
          /runs/{id}/report:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
            get:
              summary: "Dashboard page (HTML)"
              operationId: page_get_runs_id_report
              tags: [dashboard]
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    text/html:
                      schema:
                        type: string
                '401':
                  $ref: '#/components/responses/Error'
                '404':
                  $ref: '#/components/responses/Error'
          /runs/{id}/cancel:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
            post:
              summary: "Dashboard page (form post, CSRF token required)"
              operationId: page_post_runs_id_cancel
              tags: [dashboard]
              security: []
              requestBody:
                content:
                  application/x-www-form-urlencoded:
                    schema:
                      type: object
              responses:
                '303':
                  description: Redirect after the action
                '400':
                  $ref: '#/components/responses/Error'
                '403':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
          /runs/{id}/steps/{key}/retry:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
              - name: key
                in: path
                required: true
                schema:
                  type: string
            post:
              summary: "Dashboard page (form post, CSRF token required)"
              operationId: page_post_runs_id_steps_key_retry
              tags: [dashboard]
              security: []
              requestBody:
                content:
                  application/x-www-form-urlencoded:
                    schema:
                      type: object
              responses:
                '303':
                  description: Redirect after the action
                '400':
                  $ref: '#/components/responses/Error'
                '403':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
          /approvals:
            get:
              summary: "Dashboard page (HTML)"
              operationId: page_get_approvals
              tags: [dashboard]
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    text/html:
                      schema:
                        type: string
          /approvals/{id}/decide:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
            post:
              summary: "Dashboard page (form post, CSRF token required)"
              operationId: page_post_approvals_id_decide
              tags: [dashboard]
              security: []
              requestBody:
                content:
                  application/x-www-form-urlencoded:
                    schema:
                      type: object
              responses:
                '303':
                  description: Redirect after the action
                '400':
                  $ref: '#/components/responses/Error'
                '403':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
          /agents:
            get:
              summary: "Dashboard page (HTML)"
              operationId: page_get_agents
              tags: [dashboard]
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    text/html:
                      schema:
                        type: string
          /agents/{name}:
            parameters:
              - name: name
                in: path
                required: true
                schema:
                  type: string
            get:
              summary: "Dashboard page (HTML)"
              operationId: page_get_agents_name
              tags: [dashboard]
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    text/html:
                      schema:
                        type: string
          /agents/{name}/model:
            parameters:
              - name: name
                in: path
                required: true
                schema:
                  type: string
            post:
              summary: "Dashboard page (form post, CSRF token required)"
              operationId: page_post_agents_name_model
              tags: [dashboard]
              security: []
              requestBody:
                content:
                  application/x-www-form-urlencoded:
                    schema:
                      type: object
              responses:
                '303':
                  description: Redirect after the action
                '400':
                  $ref: '#/components/responses/Error'
                '403':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
          /keys:
            get:
              summary: "Dashboard page (HTML)"
              operationId: page_get_keys
              tags: [dashboard]
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    text/html:
                      schema:
                        type: string
            post:
              summary: "Dashboard page (form post, CSRF token required)"
              operationId: page_post_keys
              tags: [dashboard]
              security: []
              requestBody:
                content:
                  application/x-www-form-urlencoded:
                    schema:
                      type: object
              responses:
                '200':
                  description: The page again, with the outcome
                  content:
                    text/html:
                      schema:
                        type: string
                '303':
                  description: Redirect after the action
                '400':
                  $ref: '#/components/responses/Error'
                '403':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
          /keys/{id}/revoke:
            parameters:
              - name: id
                in: path
                required: true
                schema:
                  type: string
            post:
              summary: "Dashboard page (form post, CSRF token required)"
              operationId: page_post_keys_id_revoke
              tags: [dashboard]
              security: []
              requestBody:
                content:
                  application/x-www-form-urlencoded:
                    schema:
                      type: object
              responses:
                '200':
                  description: The page again, with the outcome
                  content:
                    text/html:
                      schema:
                        type: string
                '303':
                  description: Redirect after the action
                '400':
                  $ref: '#/components/responses/Error'
                '403':
                  $ref: '#/components/responses/Error'
                '413':
                  $ref: '#/components/responses/Error'
                '415':
                  $ref: '#/components/responses/Error'
                '429':
                  $ref: '#/components/responses/Error'
          /assets/app.css:
            get:
              summary: "Dashboard page (HTML)"
              operationId: page_get_assets_app_css
              tags: [dashboard]
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    text/css:
                      schema:
                        type: string
          /assets/run.js:
            get:
              summary: "Dashboard page (HTML)"
              operationId: page_get_assets_run_js
              tags: [dashboard]
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    text/javascript:
                      schema:
                        type: string
          /assets/approvals.js:
            get:
              summary: "Dashboard page (HTML)"
              operationId: page_get_assets_approvals_js
              tags: [dashboard]
              security: []
              responses:
                '200':
                  description: OK
                  content:
                    text/javascript:
                      schema:
                        type: string
        components:
          securitySchemes:
            bearer:
              type: http
              scheme: bearer
          responses:
            Error:
              description: The request was refused; the body names the problem.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/Error'
          schemas:
            Error:
              type: object
              required: [error]
              properties:
                error:
                  type: object
                  required: [code, message]
                  properties:
                    code:
                      type: string
                    message:
                      type: string
                    request_id:
                      type: string
            BriefCreate:
              type: object
              additionalProperties: false
              required: [handle]
              properties:
                handle:
                  type: string
                  pattern: '^@?[A-Za-z0-9_.]{2,24}$'
                target_type:
                  type: string
                  enum: [own_account, competitor, creator]
                notes:
                  type: [string, "null"]
                  maxLength: 2000
                brand_id:
                  type: [string, "null"]
                  maxLength: 100
                inputs:
                  type: object
            RunStart:
              type: object
              additionalProperties: false
              required: [brief_id, workflow_slug]
              properties:
                brief_id:
                  type: string
                  format: uuid
                workflow_slug:
                  type: string
            Decision:
              type: object
              additionalProperties: false
              properties:
                note:
                  type: [string, "null"]
                  maxLength: 2000
            CopilotMessage:
              type: object
              additionalProperties: false
              required: [message]
              properties:
                message:
                  type: string
                  minLength: 1
                  maxLength: 2000
            TikTokEvent:
              type: object
              properties:
                client_key:
                  type: string
                event:
                  type: string
                create_time:
                  type: integer
                user_openid:
                  type: string
                content:
                  type: string
                  description: "Serialized JSON; for comment.update {comment_action: insert|delete|set_to_hidden|set_to_friends_only|set_to_public, comment_id, video_id, text, ...}"
            PubSubPush:
              type: object
              required: [message]
              properties:
                message:
                  type: object
                subscription:
                  type: string
            StepTask:
              type: object
              required: [step_id]
              properties:
                step_id:
                  type: string
                  format: uuid
        """
}
