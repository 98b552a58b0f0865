/** Linear GraphQL issueCreate mutation (Authorization: <API key>). */
import { DETAILS, param, secret, SUMMARY, type Integration } from "../types";

/** Linear GraphQL issueCreate mutation (Authorization. */
export const linear: Integration = {
  id: "linear",
  name: "Linear",
  category: "work-tracking",
  description: "Creates a Linear issue (GraphQL issueCreate).",
  docs: "https://linear.app/developers/graphql",
  params: [secret("apiKey", "A personal API key (lin_api_...)"), param("teamId", "The team's id")],
  method: "POST",
  url: "https://api.linear.app/graphql",
  auth: { type: "api-key", header: "Authorization", key: "{{params.apiKey}}" },
  body: {
    query: "mutation IssueCreate($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { id identifier url } } }",
    variables: { input: { teamId: "{{params.teamId}}", title: SUMMARY, description: DETAILS } },
  },
  example: { apiKey: "lin_api_xxxx", teamId: "9cfb482a-81e3-4154-b5b9-2c805e70a02d" },
};
