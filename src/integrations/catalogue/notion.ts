/** Notion create page in a database: {parent: {database_id}, properties} with Notion-Version. */
import { DETAILS, optional, param, secret, SUMMARY, type Integration } from "../types";

/** Notion create page in a database. */
export const notion: Integration = {
  id: "notion",
  name: "Notion",
  category: "data",
  description: "Adds a page to a Notion database, titled with the event summary.",
  docs: "https://developers.notion.com/reference/post-page",
  params: [secret("token", "An internal integration secret"), param("databaseId", "The database id"), optional("titleProperty", "The database's title property", "Name")],
  method: "POST",
  url: "https://api.notion.com/v1/pages",
  headers: { "Notion-Version": "2022-06-28" },
  auth: { type: "bearer", token: "{{params.token}}" },
  body: {
    parent: { database_id: "{{params.databaseId}}" },
    properties: { "{{params.titleProperty}}": { title: [{ text: { content: SUMMARY } }] } },
    children: [{ object: "block", type: "paragraph", paragraph: { rich_text: [{ type: "text", text: { content: DETAILS } }] } }],
  },
  example: { token: "secret_xxxx", databaseId: "d9824bdc84454327be8b5b47500af6ce" },
};
