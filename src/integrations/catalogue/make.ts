/** Make catch hook: the wire event body. */
import { catchHook, type Integration } from "../types";

/** Make. */
export const make: Integration = catchHook({ id: "make", name: "Make", docs: "https://www.make.com/en/help/tools/webhooks", example: { webhookUrl: "https://hook.eu1.make.com/abcdef" } });
