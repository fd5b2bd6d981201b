/** @module Everything the edge and the agent agree on. */

export * from "./config/edge-view.js";
export * from "./config/load.js";
export * from "./config/schema.js";
export * from "./errors.js";
export * from "./history.js";
export * from "./ops/index.js";
export * from "./protocol.js";
export * from "./tools/index.js";
