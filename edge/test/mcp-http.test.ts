import { env, SELF } from "cloudflare:test";
import { DENIED_MESSAGE } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { app } from "../src/app.js";
import { MCP_URL, mcpClient, mcpPost, textOf } from "./fixtures.js";

const LIST = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "ssh_list_vms", arguments: {} } };

describe("/mcp over HTTP", () => {
  it("refuses a body over 4 MiB with 413 before reading it as JSON-RPC", async () => {
    const big = JSON.stringify({ ...LIST, padding: "x".repeat(4 * 1024 * 1024) });
    const res = await mcpPost(big, { Authorization: "Bearer alice-key" });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toBe("Payload Too Large: Request body must not exceed 4194304 bytes");
  });

  it("answers GET and DELETE with 405", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await SELF.fetch(MCP_URL, { method, headers: { Authorization: "Bearer alice-key" } });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    }
  });

  it("refuses a missing or wrong key with 401 and the single denial message", async () => {
    const variants: Record<string, string>[] = [
      {},
      { Authorization: "Bearer nope" },
      { Authorization: "nope" },
      { Authorization: "" },
    ];
    for (const headers of variants) {
      const res = await mcpPost(LIST, headers);
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { message: string } };
      expect(body.error.message).toBe(DENIED_MESSAGE);
    }
  });

  it("accepts the key as Bearer or raw", async () => {
    for (const auth of ["Bearer alice-key", "alice-key"]) {
      const res = await mcpPost(LIST, { Authorization: auth });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { result: { structuredContent: unknown } };
      expect(body.result.structuredContent).toEqual({ vms: ["vm1", "vm2"] });
    }
  });

  it("refuses a Bearer without a token and a key under another scheme", async () => {
    for (const auth of ["Bearer ", "Bearer", "Basic alice-key", "Token alice-key"]) {
      const res = await mcpPost(LIST, { Authorization: auth });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(DENIED_MESSAGE);
    }
  });

  it("never reads the word Bearer as a key", async () => {
    // A config whose key happens to be "Bearer" must not let an empty Bearer header in.
    const config = JSON.stringify({
      vms: [{ name: "a", host: "h", user: "u" }],
      groups: [{ name: "g", vms: ["a"] }],
      users: [{ name: "weak", api_key: "Bearer", groups: ["g"] }],
    });
    const res = await app.request(
      MCP_URL,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          Authorization: "Bearer ",
        },
        body: JSON.stringify(LIST),
      },
      { ...env, CONFIG_YAML: config },
    );
    expect(res.status).toBe(401);
  });

  it("refuses a forged Host or Origin with 403 before looking at the key", async () => {
    const forgedHost = await SELF.fetch("http://evil.example/mcp", {
      method: "POST",
      headers: { Authorization: "Bearer alice-key", "content-type": "application/json" },
      body: JSON.stringify(LIST),
    });
    expect(forgedHost.status).toBe(403);
    const forgedOrigin = await mcpPost(LIST, { Authorization: "Bearer alice-key", Origin: "http://evil.example" });
    expect(forgedOrigin.status).toBe(403);
    expect(await forgedOrigin.text()).toContain("origin not allowed");
    const localOrigin = await mcpPost(LIST, { Authorization: "Bearer alice-key", Origin: "http://localhost:6274" });
    expect(localOrigin.status).toBe(200);
  });

  it("takes browser origins from the edge's own host only, not every allowed host", async () => {
    const post = (origin?: string) =>
      SELF.fetch("https://la-telecommande.x.workers.dev/mcp", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          Authorization: "Bearer alice-key",
          ...(origin ? { Origin: origin } : {}),
        },
        body: JSON.stringify(LIST),
      });
    const evil = await post("https://evil.workers.dev");
    expect(evil.status).toBe(403);
    expect(await evil.text()).toContain("origin not allowed");
    expect((await post()).status).toBe(200);
    expect((await post("https://la-telecommande.x.workers.dev")).status).toBe(200);
  });

  it("answers malformed JSON with a parse error and keeps serving", async () => {
    const bad = await mcpPost("{not json", { Authorization: "Bearer alice-key" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const good = await mcpPost(LIST, { Authorization: "Bearer alice-key" });
    expect(good.status).toBe(200);
  });

  it("explains wrong argument types and unknown tools", async () => {
    const client = await mcpClient("Bearer alice-key");
    const wrongType = await client.callTool({ name: "ssh_run_command", arguments: { vm_name: 42, command: "ls" } });
    expect(wrongType.isError).toBe(true);
    expect(textOf(wrongType)).toMatch(/vm_name/);
    const unknown = await client.callTool({ name: "ssh_format_disk", arguments: {} }).catch((e: Error) => e);
    const text = unknown instanceof Error ? unknown.message : textOf(unknown);
    expect(text).toContain("ssh_format_disk");
    expect((await client.callTool({ name: "ssh_list_vms", arguments: {} })).structuredContent).toEqual({
      vms: ["vm1", "vm2"],
    });
    await client.close();
  });

  it("lists the original's tools, the fleet, job, operations and file tools, with output schemas and annotations", async () => {
    const client = await mcpClient("Bearer alice-key");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "ssh_copy_file",
      "ssh_fleet_health",
      "ssh_get_statistics",
      "ssh_install_packages",
      "ssh_is_vm_up",
      "ssh_job_cancel",
      "ssh_job_status",
      "ssh_list_vms",
      "ssh_read_file",
      "ssh_read_logs",
      "ssh_run_command",
      "ssh_run_parallel",
      "ssh_search_logs",
      "ssh_suggest_commands",
      "ssh_vm_distro_info",
      "ssh_write_file",
    ]);
    for (const tool of tools) {
      expect(tool.outputSchema?.type).toBe("object");
      expect(tool.description?.length).toBeGreaterThan(20);
    }
    const run = tools.find((t) => t.name === "ssh_run_command");
    expect(run?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, openWorldHint: true });
    expect(run?.inputSchema.required).toEqual(["command", "vm_name"]);
    // Readers say so; writers say they change things.
    for (const name of ["ssh_fleet_health", "ssh_read_logs", "ssh_read_file"]) {
      expect(tools.find((t) => t.name === name)?.annotations).toMatchObject({ readOnlyHint: true });
    }
    for (const name of ["ssh_install_packages", "ssh_write_file", "ssh_copy_file"]) {
      expect(tools.find((t) => t.name === name)?.annotations).toMatchObject({
        readOnlyHint: false,
        destructiveHint: true,
      });
    }
    await client.close();
  });
});
