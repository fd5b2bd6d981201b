import { parseConfig } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { PERMISSIONS_OFF, renderBanner } from "./banner.js";

describe("banner", () => {
  it("gives the MCP URL, the demo key and a ready-to-run inspector command", () => {
    const config = parseConfig("vms: [{name: demo, host: 127.0.0.1, port: 2222, user: me}]\nusers: []\n");
    const text = renderBanner({
      port: 8799,
      config,
      configPath: undefined,
      demoApiKey: "demo-KEY",
      agentDataDir: "/tmp/tc-dev-x/agent-data",
    });
    expect(text).toContain("http://127.0.0.1:8799/mcp");
    expect(text).toContain("demo-KEY");
    expect(text).toContain('--header "Authorization: Bearer demo-KEY"');
    expect(text).toContain("--tool-name ssh_run_command --tool-arg vm_name=demo --tool-arg 'command=uname -a'");
    expect(text).toContain("me@127.0.0.1:2222");
    expect(text).toContain("this machine");
    expect(text).toContain("Ctrl-C to stop");
    expect(text).toMatch(/Agent data {5}\/tmp\/tc-dev-x\/agent-data .*host keys trusted on first use/);
    expect(text).not.toContain("PERMISSIONS ARE OFF");
    expect(text).not.toContain("/status");
  });

  it("points admins at the status page", () => {
    const config = parseConfig(
      "vms: [{name: demo, host: 127.0.0.1, port: 2222, user: me}]\ngroups: [{name: g, vms: [demo]}]\n" +
        "users: [{name: demo, api_key: k, groups: [g], admin: true}]\n",
    );
    const text = renderBanner({ port: 8799, config, configPath: undefined, demoApiKey: "k", agentDataDir: "/tmp/x" });
    expect(text).toContain("Status page    http://127.0.0.1:8799/status   (admins sign in with their key)");
  });

  it("says loudly that permissions are off when the config has no users", () => {
    const config = parseConfig(
      'vms: [{name: web, host: 10.0.0.1, user: u, agent: dc1}]\nagents: [{name: dc1, token_sha256: "' +
        "a".repeat(64) +
        '"}]\n',
    );
    const text = renderBanner({
      port: 8787,
      config,
      configPath: "/etc/fleet.yaml",
      demoApiKey: undefined,
      agentDataDir: "~/.la-telecommande",
    });
    expect(text).toContain(PERMISSIONS_OFF);
    expect(text).toContain("none needed");
    expect(text).not.toContain("--header");
    expect(text).toContain("(agent dc1)");
    expect(text).toContain("/etc/fleet.yaml");
    expect(text).toContain("Agent data     ~/.la-telecommande");
  });
});
