/** @module Public API of the agent package, for the dev launcher and tests. Nothing here imports the edge. */
export { type AgentHandle, agentVersion, defaultDataDir, type StartAgentOptions, startAgent } from "./agent.js";
export { BACKOFF_CAP_MS, BACKOFF_TABLE_MS, backoffDelay } from "./backoff.js";
export { type CliOptions, parseCli, USAGE } from "./cli.js";
export { type AgentConfig, loadAgentConfig, type ServedVm, selectServedVms } from "./config.js";
export { parseDistro } from "./distro.js";
export { agentConnectUrl } from "./edge-url.js";
export { createLogger, type Logger, type LogLevel, maskSecrets } from "./log.js";
export { probeTcp } from "./probe.js";
export { HostKeyStore } from "./ssh/host-keys.js";
export { fingerprint, hashHostToken, parseKnownHosts } from "./ssh/known-hosts.js";
export { shellQuote, wrapCommand } from "./ssh/quote.js";
