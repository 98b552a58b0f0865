/** Google Sheets through an Apps Script web app (doPost appends a row). */
import { optional, secret, type Integration } from "../types";

/** Google Sheets through an Apps Script web app (doPost appends a row). */
export const googleSheets: Integration = {
  id: "google-sheets",
  name: "Google Sheets (Apps Script)",
  category: "data",
  description: "Appends a row to a sheet through an Apps Script web app whose doPost reads {sheet, row} (script in docs/INTEGRATIONS.md).",
  docs: "https://developers.google.com/apps-script/guides/web",
  params: [secret("scriptUrl", "The web app url (https://script.google.com/macros/s/<id>/exec)"), optional("sheet", "The sheet (tab) name", "Events")],
  method: "POST",
  url: "{{params.scriptUrl}}",
  body: { sheet: "{{params.sheet}}", row: ["{{event.timestamp}}", "{{event.type}}", "{{event.id}}", "{{ json(data) }}"] },
  example: { scriptUrl: "https://script.google.com/macros/s/AKfycb.../exec" },
};
