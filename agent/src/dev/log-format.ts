/**
 * @module Makes the JSON log lines of the agent (and of the edge, through wrangler) readable
 * in a terminal: level, event, then a few fields as key=value. Anything that is not a JSON
 * object, such as wrangler's own output, passes through unchanged.
 */

/** Noise in a live terminal: the relay is already in time order and its prefix names the agent. */
const HIDDEN = new Set(["level", "event", "time", "ts", "timestamp", "agent", "pid", "hostname", "v"]);
/** Shown first when present, since they say what happened. */
const FIRST = ["msg", "message", "error", "reason"];
const MAX_FIELDS = 6;
const MAX_VALUE = 120;

function show(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const json = typeof value === "object";
  let text = json ? JSON.stringify(value) : String(value);
  if (text.length > MAX_VALUE) text = `${text.slice(0, MAX_VALUE - 1)}…`;
  // Quote strings that would blur into the next field; JSON values are unambiguous as they are.
  return !json && (/[\s"=]/.test(text) || text === "") ? JSON.stringify(text) : text;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point.
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * Parses a line as a JSON object, or returns null. wrangler wraps a worker's console.warn
 * and console.error in colours and a `▲ [WARNING]` prefix, so those are looked past.
 */
export function parseJsonLine(line: string): Record<string, unknown> | null {
  const plain = line.replace(ANSI, "");
  const start = plain.indexOf("{");
  if (start === -1) return null;
  try {
    const value: unknown = JSON.parse(plain.slice(start));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** `{"level":"info","event":"connected","vms":1}` → `info  connected vms=1` */
export function formatLogLine(line: string): string {
  const entry = parseJsonLine(line);
  if (!entry) return line;
  const level = typeof entry.level === "string" || typeof entry.level === "number" ? String(entry.level) : "log";
  const event = typeof entry.event === "string" ? entry.event : "";
  const keys = [
    ...FIRST.filter((k) => k in entry),
    ...Object.keys(entry).filter((k) => !HIDDEN.has(k) && !FIRST.includes(k)),
  ];
  const fields: string[] = [];
  for (const key of keys) {
    const text = show(entry[key]);
    if (text === null) continue;
    if (fields.length === MAX_FIELDS) {
      fields.push("…");
      break;
    }
    fields.push(`${key}=${text}`);
  }
  return [level.padEnd(5), event, ...fields].filter(Boolean).join(" ");
}

/** True for the agent's "connected to the edge" log line. */
export function isConnectedLine(line: string): boolean {
  return parseJsonLine(line)?.event === "connected";
}
