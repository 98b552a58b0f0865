/** The CLI's version (sent as `User-Agent: edgehook-cli/<version>`). */
export const CLI_VERSION = "0.1.0";
