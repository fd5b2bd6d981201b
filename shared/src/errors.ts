/** @module Error codes and the one denial message both sides agree on. */

/** Every authorization failure reads exactly this, so a caller never learns which part failed. */
export const DENIED_MESSAGE = "API key invalid or VM not permitted";

export const ERROR_CODES = {
  badMessage: "bad_message",
  unknownVm: "unknown_vm",
  sshConnect: "ssh_connect",
  sshAuth: "ssh_auth",
  hostKeyMismatch: "host_key_mismatch",
  timeout: "timeout",
  cancelled: "cancelled",
  agentUnavailable: "agent_unavailable",
  agentDisconnected: "agent_disconnected",
  busy: "busy",
  /** A parameter the agent refused before anything ran (a package name its manager forbids, …). */
  invalidInput: "invalid_input",
  /** A remote file operation failed: missing path, a directory, no permission, disk full. */
  file: "file_error",
  internal: "internal",
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];
