/** @module Worker entry: the Hono app and the AgentHub Durable Object class. */
import { app } from "./app.js";

export { AgentHub } from "./hub/agent-hub.js";
export default app;
