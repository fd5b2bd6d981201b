/**
 * @module What the route reads in a JSON-RPC body before the MCP server sees it: whether a
 * call asks for progress (answered as SSE), which calls it makes, and which calls a client
 * cancels.
 */

/** Whether a JSON-RPC body is a tools/call that asks for progress (so it is answered as SSE). */
export function wantsProgress(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => {
    const message = m as { method?: unknown; params?: { _meta?: { progressToken?: unknown } } } | null;
    return message?.method === "tools/call" && message.params?._meta?.progressToken !== undefined;
  });
}

/** The request ids a JSON-RPC body cancels (`notifications/cancelled`), if any. */
export function cancelledRequests(body: unknown): (string | number)[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((m) => {
    const message = m as { method?: unknown; params?: { requestId?: unknown } } | null;
    const id = message?.params?.requestId;
    return message?.method === "notifications/cancelled" && (typeof id === "string" || typeof id === "number")
      ? [id]
      : [];
  });
}

/** The request ids of the tools/call requests in a JSON-RPC body. */
export function toolCallIds(body: unknown): (string | number)[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((m) => {
    const message = m as { method?: unknown; id?: unknown } | null;
    const id = message?.id;
    return message?.method === "tools/call" && (typeof id === "string" || typeof id === "number") ? [id] : [];
  });
}
