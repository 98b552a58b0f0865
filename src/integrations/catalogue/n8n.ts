/** n8n catch hook: the wire event body. */
import { catchHook, type Integration } from "../types";

/** n8n. */
export const n8n: Integration = catchHook({ id: "n8n", name: "n8n", docs: "https://docs.n8n.io/integrations/builtin/core-nodes/n8n-nodes-base.webhook/", example: { webhookUrl: "https://n8n.example.com/webhook/edgehook" } });
