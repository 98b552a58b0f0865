/** Airtable create records: POST /v0/{baseId}/{table} {records: [{fields}]}. */
import { param, secret, type Integration } from "../types";

/** Airtable create records. */
export const airtable: Integration = {
  id: "airtable",
  name: "Airtable",
  category: "data",
  description: "Appends a record (Event, Type, Time, Data) to an Airtable table.",
  docs: "https://airtable.com/developers/web/api/create-records",
  params: [secret("token", "A personal access token with data.records:write"), param("baseId", "The base id (app...)"), param("table", "The table id or name")],
  method: "POST",
  url: "https://api.airtable.com/v0/{{params.baseId}}/{{params.table}}",
  auth: { type: "bearer", token: "{{params.token}}" },
  body: { records: [{ fields: { Event: "{{event.id}}", Type: "{{event.type}}", Time: "{{event.timestamp}}", Data: "{{ json(data) }}" } }], typecast: true },
  example: { token: "pat_xxxx", baseId: "appXXXXXXXXXXXXXX", table: "Events" },
};
