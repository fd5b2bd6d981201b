/**
 * @module The README's client guide, checked against a live server: each snippet (Claude
 * Code, VS Code, Cursor, Inspector) is read out of README.md, its placeholders replaced by
 * this stack's URL and alice's key, and the URL and header it configures are used by the
 * MCP SDK client exactly as written. A snippet that names the wrong path, header or scheme
 * fails here.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { TOOL_NAMES } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { expectOk, runOk } from "./harness/expect-tool.js";
import { callTool, GROUPS, REPO_ROOT, sshdAvailable, VM } from "./harness/index.js";
import { useStack } from "./harness/use-stack.js";

const PLACEHOLDER_URL = "https://<your-worker>.workers.dev/mcp";
// biome-ignore lint/suspicious/noTemplateCurlyInString: VS Code's input reference, literally as in its mcp.json
const KEY_PLACEHOLDERS = ["<api key>", "${input:telecommande-key}"];

/** The README's "Connect a client" section, up to its troubleshooting table. */
function guide(): string {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## Connect a client\n");
  const end = readme.indexOf("### Troubleshooting", start);
  if (start < 0 || end < 0) throw new Error("README.md has no 'Connect a client' section with a troubleshooting part");
  return readme.slice(start, end);
}

/** The fenced blocks of one language, in order. */
function blocks(text: string, lang: "sh" | "json"): string[] {
  return [...text.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1] ?? "");
}

interface Endpoint {
  url: string;
  headers: Record<string, string>;
}

/** The URL and `--header "Name: value"` of a shell snippet (line continuations joined). */
function fromCommand(command: string): Endpoint {
  const line = command.replace(/\\\n\s*/g, " ");
  const url = line.match(/(https?:\/\/\S+\/mcp)\b/)?.[1];
  const header = line.match(/--header "([^:"]+): ([^"]+)"/);
  if (!url || !header?.[1] || !header[2]) throw new Error(`snippet names no URL or --header: ${line}`);
  return { url, headers: { [header[1]]: header[2] } };
}

/** The one server of a client's JSON config, under `servers` (VS Code) or `mcpServers` (Cursor). */
function fromJson(json: string): Endpoint & { type?: string } {
  const parsed = JSON.parse(json) as Record<string, Record<string, Endpoint & { type?: string }>>;
  const servers = parsed.servers ?? parsed.mcpServers;
  const entries = Object.values(servers ?? {});
  if (entries.length !== 1 || !entries[0]) throw new Error(`expected one server in ${json}`);
  return entries[0];
}

function fill(text: string, url: string, key: string): string {
  if (!text.includes(PLACEHOLDER_URL)) throw new Error(`snippet does not use the placeholder URL: ${text}`);
  const withKey = KEY_PLACEHOLDERS.reduce((t, p) => t.replaceAll(p, key), text.replaceAll(PLACEHOLDER_URL, url));
  if (withKey === text.replaceAll(PLACEHOLDER_URL, url)) throw new Error(`snippet has no key placeholder: ${text}`);
  return withKey;
}

async function connect(endpoint: Endpoint): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(endpoint.url), {
    requestInit: { headers: endpoint.headers },
  });
  const client = new Client({ name: "client-guide", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

describe.skipIf(!sshdAvailable())("README client guide", () => {
  const env = useStack();
  const text = guide();
  const sh = blocks(text, "sh");
  const json = blocks(text, "json");
  const snippets: [string, () => Endpoint][] = [
    [
      "Claude Code",
      () =>
        fromCommand(
          fill(sh.find((b) => b.includes("claude mcp add")) ?? "", env.stack.edge.mcpUrl, env.stack.keys.alice),
        ),
    ],
    [
      "VS Code",
      () =>
        fromJson(fill(json.find((b) => b.includes('"servers"')) ?? "", env.stack.edge.mcpUrl, env.stack.keys.alice)),
    ],
    [
      "Cursor",
      () =>
        fromJson(fill(json.find((b) => b.includes('"mcpServers"')) ?? "", env.stack.edge.mcpUrl, env.stack.keys.alice)),
    ],
    [
      "Inspector",
      () =>
        fromCommand(fill(sh.find((b) => b.includes("inspector")) ?? "", env.stack.edge.mcpUrl, env.stack.keys.alice)),
    ],
  ];

  it("has the four header-based snippets", () => {
    expect(sh.filter((b) => b.includes(PLACEHOLDER_URL))).toHaveLength(2);
    expect(json).toHaveLength(2);
    expect(fromJson(json.find((b) => b.includes('"servers"')) ?? "").type).toBe("http");
  });

  it.each(snippets)("the %s snippet connects as alice and reaches exactly her VMs", async (_name, endpoint) => {
    const client = await connect(endpoint());
    try {
      const listed = expectOk<{ vms: string[] }>(await callTool(client, TOOL_NAMES.listVms));
      expect([...listed.vms].sort()).toEqual([...GROUPS.dev].sort());
      expect((await runOk(client, VM.alpha, "echo from-the-guide")).stdout).toBe("from-the-guide\n");
    } finally {
      await client.close();
    }
  });

  it("a snippet with a wrong key is refused at connect", async () => {
    const endpoint = fromCommand(fill(sh[0] ?? "", env.stack.edge.mcpUrl, "not-a-key"));
    await expect(connect(endpoint)).rejects.toThrow(/401|API key invalid or VM not permitted/);
  });
});
