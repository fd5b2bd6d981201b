/**
 * @module The confirmation round trip of `confirm: destructive`, made for a stateless
 * server: the first call runs nothing and answers with what would run and a signed one-time
 * token; the same call again with that token runs. The MCP SDK in use (1.32.2, protocol
 * 2025-11-25) has no `input_required` result, and its elicitation needs a session this
 * server does not keep, so the token travels as a tool argument.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { ToolDeps } from "../mcp/deps.js";
import { toolError } from "../mcp/result.js";
import { confirmKey } from "./confirm-key.js";
import { argsDigest, CONFIRM_TTL_MS, newNonce, signToken, verifyToken } from "./confirm-token.js";
import { consumeNonce } from "./nonce-store.js";

export type Confirmation =
  | { ok: true }
  | { ok: false; decision: "confirm" | "deny"; reason: string; result: CallToolResult };

const str = (v: unknown) => (typeof v === "string" ? v : "");

/** What the call would do, in a line the user can judge. */
export function wouldRun(tool: string, args: Record<string, unknown>): string {
  if (typeof args.command === "string") return args.command;
  if (tool === "ssh_install_packages") {
    const packages = Array.isArray(args.packages) ? args.packages.join(" ") : "";
    return `install ${packages}${args.update_index ? " (after refreshing the package index)" : ""}`;
  }
  if (tool === "ssh_write_file") {
    const mode = args.mode ? ` with mode ${str(args.mode)}` : "";
    return `write ${str(args.content).length} characters (${str(args.encoding) || "utf8"}) to ${str(args.path)}${mode}`;
  }
  if (tool === "ssh_copy_file") {
    const replace = args.overwrite ? ", replacing an existing file" : "";
    return `copy ${str(args.from_vm)}:${str(args.from_path)} to ${str(args.to_vm)}:${str(args.to_path)}${replace}`;
  }
  return tool;
}

function refused(tool: string, why: string): Confirmation {
  const message = `${tool} refused: ${why}; call again without confirmation_token to get a new one`;
  return { ok: false, decision: "deny", reason: why, result: toolError(message) };
}

async function ask(tool: string, args: Record<string, unknown>, deps: ToolDeps, vms: string[], group: string) {
  const expires = Date.now() + CONFIRM_TTL_MS;
  const claims = { caller: deps.caller.name, tool, args: await argsDigest(args), expires, nonce: newNonce() };
  const token = await signToken(await confirmKey(deps.config), claims);
  const expires_at = new Date(expires).toISOString();
  const would_run = wouldRun(tool, args);
  const answer = { confirmation_required: true, tool, vms, would_run, confirmation_token: token, expires_at };
  const text =
    `Confirmation needed: group "${group}" asks a human to confirm destructive tools. Nothing has run yet.\n` +
    `${tool} on ${vms.join(", ")} would run: ${would_run}\n` +
    `Ask the user to confirm. If they do, call ${tool} again with exactly the same arguments plus ` +
    `"confirmation_token": "${token}" (valid once, until ${expires_at}).`;
  // Flagged isError: a result that ran nothing cannot match the tool's output schema, and the
  // SDK (like the spec) requires a non-error result to match it.
  const result: CallToolResult = {
    content: [
      { type: "text", text },
      { type: "text", text: JSON.stringify(answer) },
    ],
    isError: true,
  };
  return {
    ok: false,
    decision: "confirm",
    reason: `group "${group}" asks to confirm destructive tools`,
    result,
  } as const;
}

export async function confirmation(
  tool: string,
  args: Record<string, unknown>,
  deps: ToolDeps,
  vms: string[],
  group: string,
): Promise<Confirmation> {
  const token = args.confirmation_token;
  if (typeof token !== "string" || !token) return ask(tool, args, deps, vms, group);
  const claims = await verifyToken(await confirmKey(deps.config), token);
  if (!claims) return refused(tool, "confirmation_token is not valid (not issued by this server, or altered)");
  if (claims.caller !== deps.caller.name) return refused(tool, "confirmation_token was issued to another user");
  if (claims.tool !== tool) return refused(tool, `confirmation_token was issued for ${claims.tool}, not ${tool}`);
  if (claims.args !== (await argsDigest(args))) {
    return refused(tool, "confirmation_token was issued for other arguments (repeat the very same call)");
  }
  if (Date.now() > claims.expires) {
    const minutes = CONFIRM_TTL_MS / 60_000;
    return refused(
      tool,
      `confirmation_token expired at ${new Date(claims.expires).toISOString()} (tokens are valid ${minutes} minutes)`,
    );
  }
  let fresh: boolean;
  try {
    fresh = await consumeNonce(claims.caller, claims.nonce, claims.expires);
  } catch {
    return refused(tool, "the confirmation could not be recorded (try again)");
  }
  if (!fresh) return refused(tool, "confirmation_token was already used (a token runs its call once)");
  return { ok: true };
}
