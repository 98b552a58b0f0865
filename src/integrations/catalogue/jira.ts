/** Jira Cloud REST v2 create issue: {fields: {project, summary, issuetype, description}}. */
import { DETAILS, optional, param, secret, SUMMARY, type Integration } from "../types";

/** Jira Cloud REST v2 create issue. */
export const jira: Integration = {
  id: "jira",
  name: "Jira",
  category: "work-tracking",
  description: "Creates a Jira Cloud issue (REST API v2, basic auth with an API token).",
  docs: "https://developer.atlassian.com/cloud/jira/platform/rest/v2/api-group-issues/#api-rest-api-2-issue-post",
  params: [param("siteUrl", "https://<site>.atlassian.net"), param("email", "The account's email"), secret("apiToken", "An Atlassian API token"), param("projectKey", "The project key, e.g. OPS"), optional("issueType", "The issue type name", "Task")],
  method: "POST",
  url: "{{params.siteUrl}}/rest/api/2/issue",
  headers: { Accept: "application/json" },
  auth: { type: "basic", username: "{{params.email}}", password: "{{params.apiToken}}" },
  body: { fields: { project: { key: "{{params.projectKey}}" }, summary: SUMMARY, issuetype: { name: "{{params.issueType}}" }, description: DETAILS, labels: ["edgehook"] } },
  example: { siteUrl: "https://example.atlassian.net", email: "ops@example.com", apiToken: "ATATT...", projectKey: "OPS" },
};
