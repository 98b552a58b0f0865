/** Zapier catch hook: the wire event body. */
import { catchHook, type Integration } from "../types";

/** Zapier. */
export const zapier: Integration = catchHook({ id: "zapier", name: "Zapier", docs: "https://help.zapier.com/hc/en-us/articles/8496288690317", example: { webhookUrl: "https://hooks.zapier.com/hooks/catch/123/abc/" } });
