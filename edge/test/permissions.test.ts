import { env } from "cloudflare:test";
import { DENIED_MESSAGE } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { app } from "../src/app.js";
import { mcpClient, textOf } from "./fixtures.js";

describe("permissions", () => {
  it("shows each user only the VMs of their groups", async () => {
    const alice = await mcpClient("Bearer alice-key");
    const bob = await mcpClient("bob-key");
    expect((await alice.callTool({ name: "ssh_list_vms", arguments: {} })).structuredContent).toEqual({
      vms: ["vm1", "vm2"],
    });
    expect((await bob.callTool({ name: "ssh_list_vms", arguments: {} })).structuredContent).toEqual({ vms: ["vm3"] });
  });

  it("gives a forbidden VM and an unknown VM exactly the same answer", async () => {
    const alice = await mcpClient("Bearer alice-key");
    for (const tool of ["ssh_run_command", "ssh_is_vm_up", "ssh_vm_distro_info"]) {
      const forbidden = await alice.callTool({ name: tool, arguments: { vm_name: "vm3", command: "id" } });
      const unknown = await alice.callTool({ name: tool, arguments: { vm_name: "nope", command: "id" } });
      expect(forbidden.isError).toBe(true);
      expect(textOf(forbidden)).toBe(DENIED_MESSAGE);
      expect(unknown).toEqual(forbidden);
    }
  });

  it("opens every VM to anyone when the config has no users", async () => {
    const open = JSON.stringify({
      vms: [
        { name: "a", host: "h", user: "u" },
        { name: "b", host: "h2", user: "u" },
      ],
    });
    const res = await app.request(
      "http://127.0.0.1/mcp",
      {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: "ssh_list_vms", arguments: {} },
        }),
      },
      { ...env, CONFIG_YAML: open },
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: { structuredContent: unknown } }).result.structuredContent).toEqual({
      vms: ["a", "b"],
    });
  });

  it("serves a config without users on loopback only, unless ALLOW_ANONYMOUS=true", async () => {
    const open = JSON.stringify({ vms: [{ name: "a", host: "h", user: "u" }] });
    const list = (url: string, vars: Record<string, string> = {}) =>
      app.request(
        url,
        {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: { name: "ssh_list_vms", arguments: {} },
          }),
        },
        { ...env, CONFIG_YAML: open, ALLOWED_HOSTS: "edge.example.com", ...vars },
      );
    expect((await list("http://127.0.0.1/mcp")).status).toBe(200);
    const publicUrl = await list("https://edge.example.com/mcp");
    expect(publicUrl.status).toBe(503);
    expect(((await publicUrl.json()) as { error: { message: string } }).error.message).toBe(
      "this server has no users in its config and is not on loopback: add users, or set ALLOW_ANONYMOUS=true to serve everyone",
    );
    const optedIn = await list("https://edge.example.com/mcp", { ALLOW_ANONYMOUS: "true" });
    expect(optedIn.status).toBe(200);
    expect(((await optedIn.json()) as { result: { structuredContent: unknown } }).result.structuredContent).toEqual({
      vms: ["a"],
    });
  });

  it("fails closed with a generic error when the config is invalid", async () => {
    const res = await app.request(
      "http://127.0.0.1/mcp",
      { method: "POST", headers: { "content-type": "application/json" }, body: "{}" },
      { ...env, CONFIG_YAML: "vms: [{name: a}]\nusers: [{name: x, api_key: leaked-secret}]" },
    );
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toContain("server configuration error");
    expect(text).not.toContain("leaked-secret");
  });
});
