/** Pipedream catch hook: the wire event body. */
import { catchHook, type Integration } from "../types";

/** Pipedream. */
export const pipedream: Integration = catchHook({ id: "pipedream", name: "Pipedream", docs: "https://pipedream.com/docs/workflows/building-workflows/triggers/#http", example: { webhookUrl: "https://eo1234.m.pipedream.net" } });
