/** @module Structured JSON-line logging on stderr, with secrets masked before anything is written. */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

/** Where finished lines go; tests pass an array-backed sink instead of stderr. */
export type LogSink = (line: string) => void;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** Registers a value (token, passphrase) that must never appear in a log line. */
  addSecret(secret: string | undefined): void;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Private keys can reach a message through an error from a parser; cut them out whole. */
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const BEARER = /(Bearer\s+)[^\s"',;]+/gi;

/** Masks private keys, bearer tokens and every registered secret in a string. */
export function maskSecrets(text: string, secrets: Iterable<string> = []): string {
  let out = text.replace(PRIVATE_KEY, "[private key redacted]").replace(BEARER, "$1[redacted]");
  for (const secret of secrets) {
    // Very short secrets would mask innocent substrings everywhere; they are not worth it.
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out;
}

function normalize(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as NodeJS.ErrnoException).code;
    return code ? `${value.message} (${code})` : value.message;
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

export interface LoggerOptions {
  agent: string;
  level?: LogLevel;
  sink?: LogSink;
  now?: () => Date;
}

/** A logger that writes one JSON object per line: ts, level, event, agent, then the fields. */
export function createLogger(options: LoggerOptions): Logger {
  const secrets = new Set<string>();
  const min = LEVELS[options.level ?? "info"];
  const sink: LogSink = options.sink ?? ((line) => process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => new Date());

  const write = (level: LogLevel, event: string, fields: LogFields = {}) => {
    if (LEVELS[level] < min) return;
    const record: LogFields = { ts: now().toISOString(), level, event, agent: options.agent };
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) record[key] = normalize(value);
    }
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ ts: record.ts, level, event, agent: options.agent, note: "unserializable fields" });
    }
    sink(maskSecrets(line, secrets));
  };

  return {
    debug: (event, fields) => write("debug", event, fields),
    info: (event, fields) => write("info", event, fields),
    warn: (event, fields) => write("warn", event, fields),
    error: (event, fields) => write("error", event, fields),
    addSecret(secret) {
      if (secret) {
        secrets.add(secret);
        // The JSON-escaped form is what appears in a line when the secret holds quotes or backslashes.
        secrets.add(JSON.stringify(secret).slice(1, -1));
      }
    },
  };
}

/** Parses LOG_LEVEL; anything unknown falls back to info. */
export function parseLogLevel(value: string | undefined): LogLevel {
  return value === "debug" || value === "info" || value === "warn" || value === "error" ? value : "info";
}
