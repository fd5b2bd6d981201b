/**
 * @module What `npm run dev` prints once everything is up: where the MCP endpoint is, which
 * key to use, what the fleet is, and a command that tries it.
 */
import { agentOf, type Config, permissionsEnabled } from "@telecommande/shared";

export interface BannerInput {
  port: number;
  config: Config;
  /** Where the config came from; undefined for the demo. */
  configPath: string | undefined;
  /** The demo user's API key; undefined when the config brings its own users. */
  demoApiKey: string | undefined;
  /** Where the agents keep the host keys they trusted on first use. */
  agentDataDir: string;
}

/** Shouted at start and in the banner: an open fleet must never go unnoticed. */
export const PERMISSIONS_OFF =
  "!!! PERMISSIONS ARE OFF: the config has no `users`, so every caller may use every VM, no API key needed. !!!";

/**
 * The v1 inspector CLI: 2.x needs Node ≥ 22.19. `--header` and `--tool-arg` are variadic, so
 * the URL goes first, before them.
 */
export function inspectorCommand(url: string, apiKey: string | undefined, vm: string): string {
  const header = apiKey ? ` --header "Authorization: Bearer ${apiKey}"` : "";
  return (
    `npx -y @modelcontextprotocol/inspector@1.0.3 --cli ${url} --transport http${header} \\\n` +
    `      --method tools/call --tool-name ssh_run_command --tool-arg vm_name=${vm} --tool-arg 'command=uname -a'`
  );
}

export function renderBanner({ port, config, configPath, demoApiKey, agentDataDir }: BannerInput): string {
  const url = `http://127.0.0.1:${port}/mcp`;
  const rule = "─".repeat(78);
  const lines = [rule, " La Télécommande is running locally", rule, `  MCP endpoint   ${url}`];

  if (!permissionsEnabled(config)) {
    lines.push("  API key        none needed", "", `  ${PERMISSIONS_OFF}`, "");
  } else if (demoApiKey) {
    lines.push(`  API key        ${demoApiKey}   (demo user; send it as "Authorization: Bearer <key>")`);
  } else {
    lines.push(`  API key        one of the users' keys in ${configPath}`);
  }

  if (config.users?.some((u) => u.admin)) {
    lines.push(`  Status page    http://127.0.0.1:${port}/status   (admins sign in with their key)`);
  }
  lines.push(`  Config         ${configPath ?? "built-in demo (nothing written outside a private temp dir)"}`);
  lines.push(`  Agent data     ${agentDataDir}   (known_hosts: host keys trusted on first use)`);
  lines.push(`  VMs            ${config.vms.length === 0 ? "none" : ""}`);
  for (const vm of config.vms) {
    const agent = agentOf(vm);
    lines.push(
      `    - ${vm.name.padEnd(12)} ${vm.user}@${vm.host}:${vm.port}${agent === "default" ? "" : `  (agent ${agent})`}`,
    );
  }
  if (!configPath) {
    lines.push(
      "",
      "  The demo VM is this machine, reached through an SSH server inside this process on",
      "  127.0.0.1, with keys generated for this session; commands run as the current user.",
    );
  }

  const firstVm = config.vms[0]?.name ?? "<vm>";
  lines.push(
    "",
    "  Try it (MCP Inspector CLI, Streamable HTTP):",
    `    ${inspectorCommand(url, demoApiKey ?? (permissionsEnabled(config) ? "<your key>" : undefined), firstVm)}`,
    "",
    "  In Le Chat / Claude: add a custom MCP connector with the URL above (a public URL needs",
    "  a tunnel or `wrangler deploy`; this one listens on loopback only).",
    "",
    "  Ctrl-C to stop.",
    rule,
  );
  return `${lines.join("\n")}\n`;
}
