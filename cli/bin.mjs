#!/usr/bin/env node
// The `edgehook` bin. The title is set before anything else so that a `--token` given on the
// command line does not stay visible in the process list (ps, /proc/<pid>/cmdline).
process.title = "edgehook";
try {
  const { main } = await import("./dist/main.js");
  await main();
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/main.js")) {
    console.error("edgehook: the CLI is not built; run `npm install` (or `npm run build:cli`) in the edgehook checkout");
    process.exitCode = 1;
  } else throw error;
}
