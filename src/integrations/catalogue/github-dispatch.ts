/** GitHub repository_dispatch: POST /repos/{owner}/{repo}/dispatches {event_type, client_payload}. */
import { optional, param, secret, type Integration } from "../types";

/** GitHub repository_dispatch. */
export const githubDispatch: Integration = {
  id: "github-dispatch",
  name: "GitHub repository_dispatch",
  category: "work-tracking",
  description: "Triggers GitHub Actions workflows with a repository_dispatch event carrying the event as client_payload.",
  docs: "https://docs.github.com/en/rest/repos/repos#create-a-repository-dispatch-event",
  params: [param("owner", "The repository owner"), param("repo", "The repository name"), secret("token", "A token with contents: write on the repository"), optional("eventType", "The dispatch event_type", "edgehook")],
  method: "POST",
  url: "https://api.github.com/repos/{{params.owner}}/{{params.repo}}/dispatches",
  headers: { Accept: "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28" },
  auth: { type: "bearer", token: "{{params.token}}" },
  body: { event_type: "{{params.eventType}}", client_payload: { id: "{{event.id}}", type: "{{event.type}}", timestamp: "{{event.timestamp}}", data: "{{data}}" } },
  example: { owner: "acme", repo: "app", token: "ghp_xxxx" },
};
