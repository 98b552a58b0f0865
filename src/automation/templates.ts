/** Built-in rule templates (the seed workflows): each turns params into a rule body (pure). */
import type { CreateRuleInput } from "./schemas";

/** One param of a template. */
export interface TemplateParam {
  name: string;
  description: string;
  required: boolean;
  default?: unknown;
}

/** What templates may use besides params. */
export interface TemplateContext {
  /** Base url of the GitHub API (GITHUB_API_URL). */
  githubApiUrl: string;
}

/** A built-in template. */
export interface RuleTemplate {
  id: string;
  description: string;
  params: TemplateParam[];
  build(params: Record<string, unknown>, context: TemplateContext): Omit<CreateRuleInput, "enabled" | "stopProcessing" | "priority"> & { priority?: number };
}

const CHANNELS: TemplateParam = { name: "channels", description: "Notification channels (POST /channels)", required: false, default: ["default"] };
const GITHUB_TOKEN: TemplateParam = { name: "githubToken", description: "GitHub token allowed to set commit statuses", required: true };
const PR_DATA = { repository: "{{data.repository.full_name}}", number: "{{data.number}}", sha: "{{data.pull_request.head.sha}}", title: "{{data.pull_request.title}}", url: "{{data.pull_request.html_url}}" };
const RETRY = { limit: 2, delayMs: 1000, backoff: "exponential" as const };

function statusStep(context: TemplateContext, id: string, state: string, description: string) {
  return {
    id,
    kind: "http" as const,
    url: `${context.githubApiUrl}/repos/{{data.repository.full_name}}/statuses/{{data.pull_request.head.sha}}`,
    method: "POST" as const,
    headers: { Accept: "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28" },
    auth: { type: "bearer" as const, token: "{{params.githubToken}}" },
    body: { state, context: "{{params.statusContext}}", description, target_url: "{{data.pull_request.html_url}}" },
    retry: RETRY,
  };
}

const PR_ACTIONS = (actions: string[]) => ({ all: [{ field: "data.action", operator: "in" as const, value: actions }] });

/** The built-in templates by id. */
export const RULE_TEMPLATES: Record<string, RuleTemplate> = {
  pr_validation: {
    id: "pr_validation",
    description: "A GitHub pull request opened or synchronized → wait → POST to a validator → set the commit status on GitHub → notify.",
    params: [
      { name: "validatorUrl", description: "The validator's url (receives the pull request)", required: true },
      GITHUB_TOKEN,
      { name: "delay", description: "Wait before validating (lets CI settle)", required: false, default: "30s" },
      { name: "statusContext", description: "The commit status context", required: false, default: "edgehook/validation" },
      CHANNELS,
    ],
    build: (params, context) => ({
      name: "PR validation",
      description: "Validates pull requests and reports a commit status",
      trigger: { events: ["github.pull_request"], filter: PR_ACTIONS(["opened", "synchronize"]) },
      params,
      steps: [
        { id: "settle", kind: "delay", duration: params.delay as string },
        { id: "validate", kind: "http", url: "{{params.validatorUrl}}", method: "POST", body: PR_DATA, retry: RETRY },
        statusStep(context, "status", "success", "Validated by edgehook"),
        { id: "notify", kind: "notify", channels: params.channels as string[], title: "PR #{{data.number}} validated", body: "{{data.repository.full_name}}: {{data.pull_request.title}}", priority: "P3" },
      ],
    }),
  },
  pr_revalidation: {
    id: "pr_revalidation",
    description: "A GitHub pull request reopened or marked ready for review → POST to the validator → set the commit status.",
    params: [
      { name: "validatorUrl", description: "The validator's url", required: true },
      GITHUB_TOKEN,
      { name: "statusContext", description: "The commit status context", required: false, default: "edgehook/validation" },
    ],
    build: (params, context) => ({
      name: "PR revalidation",
      description: "Validates reopened pull requests again",
      trigger: { events: ["github.pull_request"], filter: PR_ACTIONS(["reopened", "ready_for_review"]) },
      params,
      steps: [{ id: "validate", kind: "http", url: "{{params.validatorUrl}}", method: "POST", body: PR_DATA, retry: RETRY }, statusStep(context, "status", "success", "Revalidated by edgehook")],
    }),
  },
  pr_merged: {
    id: "pr_merged",
    description: "A GitHub pull request merged → POST to a url → notify.",
    params: [{ name: "url", description: "Where to POST the merged pull request", required: true }, CHANNELS],
    build: (params) => ({
      name: "PR merged",
      description: "Announces merged pull requests",
      trigger: {
        events: ["github.pull_request"],
        filter: { all: [{ field: "data.action", operator: "equals", value: "closed" }, { field: "data.pull_request.merged", operator: "equals", value: true }] },
      },
      params,
      steps: [
        { id: "post", kind: "http", url: "{{params.url}}", method: "POST", body: PR_DATA, retry: RETRY },
        { id: "notify", kind: "notify", channels: params.channels as string[], title: "PR #{{data.number}} merged", body: "{{data.repository.full_name}}: {{data.pull_request.title}}", priority: "P3" },
      ],
    }),
  },
  workflow_failure: {
    id: "workflow_failure",
    description: "A failed GitHub Actions workflow run → notify and POST to a url.",
    params: [{ name: "url", description: "Where to POST the failed run", required: true }, CHANNELS],
    build: (params) => ({
      name: "Workflow failure",
      description: "Reports failed GitHub Actions runs",
      trigger: {
        events: ["github.workflow_run"],
        filter: { all: [{ field: "data.action", operator: "equals", value: "completed" }, { field: "data.workflow_run.conclusion", operator: "equals", value: "failure" }] },
      },
      params,
      steps: [
        { id: "notify", kind: "notify", channels: params.channels as string[], title: "{{data.workflow_run.name}} failed", body: "{{data.repository.full_name}} {{data.workflow_run.head_branch}}: {{data.workflow_run.html_url}}", priority: "P1" },
        { id: "post", kind: "http", url: "{{params.url}}", method: "POST", body: { repository: "{{data.repository.full_name}}", workflow: "{{data.workflow_run.name}}", branch: "{{data.workflow_run.head_branch}}", url: "{{data.workflow_run.html_url}}" }, retry: RETRY },
      ],
    }),
  },
  linear_task: {
    id: "linear_task",
    description: "A Linear issue assigned → POST to a url → wait for a pull request naming the issue → update the Linear issue.",
    params: [
      { name: "url", description: "Where to POST the assigned issue (e.g. a code agent)", required: true },
      { name: "linearApiKey", description: "Linear API key", required: true },
      { name: "linearApiUrl", description: "Linear GraphQL url", required: false, default: "https://api.linear.app/graphql" },
      { name: "doneStateId", description: "Linear workflow state id to move the issue to", required: true },
      { name: "timeout", description: "How long to wait for the pull request", required: false, default: "7 days" },
    ],
    build: (params) => ({
      name: "Linear task",
      description: "Hands assigned Linear issues to a worker and closes the loop on its pull request",
      trigger: { events: ["linear.issue.update", "linear.issue.create"], filter: { all: [{ field: "data.data.assigneeId", operator: "exists" }] } },
      params,
      steps: [
        { id: "assign", kind: "http", url: "{{params.url}}", method: "POST", body: { issueId: "{{data.data.id}}", identifier: "{{data.data.identifier}}", title: "{{data.data.title}}" }, retry: RETRY },
        { id: "pull_request", kind: "wait_for_event", event: "github.pull_request", match: { all: [{ field: "data.pull_request.title", operator: "contains", value: "{{data.data.identifier}}" }] }, timeout: params.timeout as string },
        {
          id: "update",
          kind: "http",
          url: "{{params.linearApiUrl}}",
          method: "POST",
          auth: { type: "api-key", key: "{{params.linearApiKey}}", header: "Authorization" },
          body: { query: "mutation($id: String!, $stateId: String!) { issueUpdate(id: $id, input: { stateId: $stateId }) { success } }", variables: { id: "{{data.data.id}}", stateId: "{{params.doneStateId}}" } },
          retry: RETRY,
        },
      ],
    }),
  },
};

/** The params with defaults filled, or the names of the missing required ones. */
export function resolveParams(template: RuleTemplate, given: Record<string, unknown>): { params: Record<string, unknown> } | { missing: string[] } {
  const missing = template.params.filter((p) => p.required && (given[p.name] === undefined || given[p.name] === null || given[p.name] === "")).map((p) => p.name);
  if (missing.length) return { missing };
  const params = { ...given };
  for (const p of template.params) if (params[p.name] === undefined && p.default !== undefined) params[p.name] = p.default;
  return { params };
}
