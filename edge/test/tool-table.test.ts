import { TOOLS } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { mcpClient } from "./fixtures.js";

describe("the tool table", () => {
  it("is exactly what clients list: every tool once, in order, as defined", async () => {
    const client = await mcpClient("Bearer alice-key");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
    for (const def of TOOLS) {
      const listed = tools.find((t) => t.name === def.name);
      expect(listed, def.name).toMatchObject({ title: def.title, description: def.description });
      expect(listed?.annotations, def.name).toEqual(def.annotations);
      const input = z.toJSONSchema(z.object(def.input)) as { properties?: object; required?: string[] };
      expect(Object.keys(listed?.inputSchema.properties ?? {}).sort(), def.name).toEqual(
        Object.keys(input.properties ?? {}).sort(),
      );
      expect([...(listed?.inputSchema.required ?? [])].sort(), def.name).toEqual([...(input.required ?? [])].sort());
      expect(Object.keys(listed?.outputSchema?.properties ?? {}).sort(), def.name).toEqual(
        Object.keys(def.output).sort(),
      );
    }
    await client.close();
  });

  it("marks read-only tools read-only and the command runners destructive", () => {
    const hints = Object.fromEntries(TOOLS.map((t) => [t.name, t.annotations]));
    expect(hints.ssh_list_vms?.readOnlyHint).toBe(true);
    expect(hints.ssh_is_vm_up?.readOnlyHint).toBe(true);
    expect(hints.ssh_vm_distro_info?.readOnlyHint).toBe(true);
    expect(hints.ssh_run_command).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(hints.ssh_run_parallel).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(hints.ssh_job_status?.readOnlyHint).toBe(true);
    for (const tool of ["ssh_search_logs", "ssh_get_statistics", "ssh_suggest_commands"]) {
      expect(hints[tool]?.readOnlyHint, tool).toBe(true);
    }
    expect(hints.ssh_job_cancel).toMatchObject({ readOnlyHint: false, destructiveHint: true });
  });

  it("names the job each VM tool sends; ssh_list_vms and the job tools are answered by the edge alone", () => {
    expect(Object.fromEntries(TOOLS.map((t) => [t.name, t.job]))).toEqual({
      ssh_list_vms: null,
      ssh_is_vm_up: "probe",
      ssh_vm_distro_info: "distro",
      ssh_run_command: "exec",
      ssh_run_parallel: "fanout",
      ssh_job_status: null,
      ssh_job_cancel: null,
      ssh_search_logs: "history",
      ssh_get_statistics: "history",
      ssh_suggest_commands: "history",
      ssh_install_packages: "fanout",
      ssh_fleet_health: "fanout",
      ssh_read_logs: "fanout",
      ssh_read_file: "file_read",
      ssh_write_file: "file_write",
      ssh_copy_file: "file_copy",
    });
  });
});
