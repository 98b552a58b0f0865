// Types of vendor-dashboard.mjs (the dashboard's generated assets module).
export const DASHBOARD_ASSETS: Record<string, [type: string, path: string]>;
export function renderAssetsModule(): string;
export const OUTPUT: string;
