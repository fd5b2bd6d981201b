/** @module Worker entry: the Hono app and the Durable Object classes (AgentHub, ConfirmNonces). */
import { app } from "./app.js";

export { AgentHub } from "./hub/agent-hub.js";
export { ConfirmNonces } from "./policy/nonce-store.js";
export default app;
