/**
 * @module The edge's audit trail: one JSON line per tool call (`event: "audit"`) with who
 * called which tool on which VMs, the policy decision and why, how long it took and how it
 * ended. Argument contents never appear: only a command's length. The agent's own audit line
 * (per job) carries the masked command; the edge cannot use the agent's masker, and logging
 * no content is what keeps secrets out here.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { log } from "./log.js";

export type AuditDecision = "allow" | "deny" | "confirm";

/** The reason of the single denial (unknown or forbidden VM): the line says no more than that. */
export const NOT_PERMITTED = "not permitted";

export interface AuditCall {
  tool: string;
  caller: string;
  vms: string[];
  decision: AuditDecision;
  reason: string | null;
  /** Epoch ms when the call arrived. */
  startedAt: number;
  requestId: string | number;
  args: Record<string, unknown>;
  result: CallToolResult | undefined;
  /** The handler threw (the SDK turns that into a tool error). */
  threw?: string;
}

/** At most this many VMs' return codes per line: a 500-VM fan-out stays one readable line. */
const MAX_RETURN_CODES = 100;

/** Job id and exit codes, when the answer carries them (best effort: shapes vary by tool). */
function outcomeFields(result: CallToolResult | undefined): Record<string, unknown> {
  const data = result?.structuredContent as Record<string, unknown> | undefined;
  if (!data) return {};
  const fields: Record<string, unknown> = {};
  if (typeof data.job_id === "string") fields.job_id = data.job_id;
  if (typeof data.return_code === "number") fields.return_code = data.return_code;
  if (Array.isArray(data.results)) {
    const entries = (data.results as Record<string, unknown>[]).filter(
      (r) => typeof r?.vm === "string" && "return_code" in r,
    );
    if (entries.length) {
      fields.return_codes = Object.fromEntries(
        entries.slice(0, MAX_RETURN_CODES).map((r) => [r.vm as string, r.return_code ?? null]),
      );
      if (entries.length > MAX_RETURN_CODES) fields.return_codes_omitted = entries.length - MAX_RETURN_CODES;
    }
  }
  return fields;
}

export function audit(call: AuditCall): void {
  const detail = call.reason !== NOT_PERMITTED;
  const fields: Record<string, unknown> = {
    time: new Date(call.startedAt).toISOString(),
    caller: call.caller,
    tool: call.tool,
    vms: call.vms,
    decision: call.decision,
    reason: call.reason,
    request_id: call.requestId,
    duration_ms: Date.now() - call.startedAt,
    is_error: call.threw !== undefined || call.result?.isError === true,
    ...(detail && typeof call.args.command === "string" ? { command_chars: call.args.command.length } : {}),
    ...(call.args.confirmation_token !== undefined ? { with_confirmation_token: true } : {}),
    ...outcomeFields(call.result),
    ...(call.threw !== undefined ? { error: call.threw } : {}),
  };
  log(call.decision === "deny" ? "warn" : "info", "audit", fields);
}
