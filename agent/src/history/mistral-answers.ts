/** @module Reading Mistral's error answers: how long `Retry-After` asks to wait, and what the body says. */

/** `Retry-After` in milliseconds: seconds, or an HTTP date. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const value = headers?.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The `message` (or `detail`) of an error answer's JSON body, else the body itself, shortened. */
export function answerMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; detail?: unknown };
    const message = parsed.message ?? parsed.detail;
    if (message !== undefined) return typeof message === "string" ? message : JSON.stringify(message);
  } catch {
    // Not JSON: the text as it came.
  }
  return body.length > 300 ? `${body.slice(0, 300)}…` : body;
}
