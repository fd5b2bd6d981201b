/**
 * @module The policy gate every tool call passes before its handler: the single denial for
 * VMs that are not the caller's (first, so policy never leaks), then the governing groups'
 * rules per VM (read_only, deny, allow, sudo), then confirmation for destructive tools. A
 * refusal is a tool error naming the rule; nothing is dispatched.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { TOOLS } from "@telecommande/shared";
import { NOT_PERMITTED } from "../audit.js";
import type { ToolDeps } from "../mcp/deps.js";
import { denied, toolError } from "../mcp/result.js";
import { callTargets } from "./call-targets.js";
import { confirmation } from "./confirmation.js";
import { confirmingGroup, refusal, type VmUse } from "./rules.js";

export type GateDecision =
  | { decision: "allow"; vms: string[]; reason: string | null; args: Record<string, unknown> }
  | { decision: "deny" | "confirm"; vms: string[]; reason: string; result: CallToolResult };

export async function policyGate(tool: string, args: Record<string, unknown>, deps: ToolDeps): Promise<GateDecision> {
  const targets = callTargets(tool, args, deps);
  if (targets.denied) return { decision: "deny", vms: [], reason: NOT_PERMITTED, result: denied() };
  const vms = [...new Set(targets.uses.map((u) => u.vm.name))];
  for (const use of targets.uses) {
    const why = refusal(deps.config, deps.caller, use);
    if (!why) continue;
    const rest = vms.length > 1 ? "; nothing ran on any VM" : "";
    return {
      decision: "deny",
      vms,
      reason: why,
      result: toolError(`${tool} on ${use.vm.name} refused by policy: ${why}${rest}`),
    };
  }
  const { confirmation_token: _token, ...plain } = args;
  const def = TOOLS.find((t) => t.name === tool);
  // Only tools that take a token can be confirmed; a dry run changes nothing, so it needs none.
  const confirmable = def?.annotations.destructiveHint === true && "confirmation_token" in def.input;
  const group = confirmable && args.dry_run !== true ? firstConfirming(targets.uses, deps) : null;
  if (!group) return { decision: "allow", vms, reason: null, args: plain };
  const confirmed = await confirmation(tool, args, deps, vms, group);
  if (!confirmed.ok) return { decision: confirmed.decision, vms, reason: confirmed.reason, result: confirmed.result };
  return { decision: "allow", vms, reason: `confirmed (group "${group}")`, args: plain };
}

/** The first group that asks to confirm, among the VMs the call changes. */
function firstConfirming(uses: readonly VmUse[], deps: ToolDeps): string | null {
  for (const use of uses) {
    const group = use.writes ? confirmingGroup(deps.config, deps.caller, use.vm) : null;
    if (group) return group;
  }
  return null;
}
