import { DENIED_MESSAGE } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { connectReady, execResult, type FakeAgent } from "./fake-agent.js";
import { textOf } from "./fixtures.js";
import { call, policyClient } from "./policy-fixtures.js";

/** Nothing reached the agent: a dispatched job would sit in its inbox. */
function noJob(agent: FakeAgent) {
  expect(agent.inbox.filter((m) => m.type === "job")).toEqual([]);
}

/** Answers the next job with an exec result; the command the agent was asked to run. */
async function answerExec(agent: FakeAgent): Promise<string> {
  const job = await agent.next("job");
  agent.send({ type: "result", id: job.id, result: execResult("ok\n") });
  return (job as { command?: string }).command ?? "";
}

describe("policy per group", () => {
  it("read_only: refuses every tool that is not read-only, names the group, dispatches nothing", async () => {
    const agent = await connectReady();
    const dave = await policyClient("dave-key");
    const refused = [
      ["ssh_run_command", { vm_name: "vm1", command: "id" }],
      ["ssh_run_parallel", { vm_names: ["vm1", "vm2"], command: "id" }],
      ["ssh_install_packages", { vm_names: ["vm2"], packages: ["curl"] }],
      ["ssh_write_file", { vm_name: "vm2", path: "/tmp/x", content: "x" }],
      ["ssh_copy_file", { from_vm: "vm1", from_path: "/a", to_vm: "vm2", to_path: "/b" }],
    ] as const;
    for (const [tool, args] of refused) {
      const result = await call(dave, tool, args);
      expect(result.isError, tool).toBe(true);
      expect(textOf(result), tool).toMatch(
        new RegExp(`^${tool} on vm[12] refused by policy: group "viewers" is read_only \\(read-only tools only\\)`),
      );
    }
    noJob(agent);
    // Read-only tools still go through.
    const read = call(dave, "ssh_is_vm_up", { vm_name: "vm1" });
    const job = await agent.next("job");
    expect(job.kind).toBe("probe");
    agent.send({ type: "result", id: job.id, result: { kind: "probe", reachable: true, latency_ms: 1, reason: null } });
    expect((await read).isError).toBeFalsy();
  });

  it("read_only applies only when every group that reaches the VM is read_only", async () => {
    const agent = await connectReady();
    const gina = await policyClient("gina-key");
    const onVm1 = await call(gina, "ssh_run_command", { vm_name: "vm1", command: "id" });
    expect(textOf(onVm1)).toContain('group "viewers" is read_only');
    const onVm2 = call(gina, "ssh_run_command", { vm_name: "vm2", command: "id" });
    expect(await answerExec(agent)).toBe("id");
    expect((await onVm2).isError).toBeFalsy();
  });

  it("deny wins over allow, with the matched rule in the error", async () => {
    const agent = await connectReady();
    const erin = await policyClient("erin-key");
    const denied = await call(erin, "ssh_run_command", { vm_name: "vm1", command: "rm -rf /tmp/cache" });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toBe(
      'ssh_run_command on vm1 refused by policy: command matches deny rule "rm -rf *" of group "prod"',
    );
    const regex = await call(erin, "ssh_run_command", { vm_name: "vm1", command: "echo bye && shutdown -h now" });
    expect(textOf(regex)).toBe(
      'ssh_run_command on vm1 refused by policy: command matches deny rule "/\\\\bshutdown\\\\b/" of group "prod"',
    );
    const parallel = await call(erin, "ssh_run_parallel", { vm_names: ["vm1"], command: "  rm -rf /  " });
    expect(textOf(parallel)).toContain('command matches deny rule "rm -rf *" of group "prod"');
    noJob(agent);
  });

  it("allow lists: a command must match one; one that does runs", async () => {
    const agent = await connectReady();
    const erin = await policyClient("erin-key");
    const other = await call(erin, "ssh_run_command", { vm_name: "vm1", command: "cat /etc/passwd" });
    expect(textOf(other)).toBe(
      'ssh_run_command on vm1 refused by policy: command matches no allow rule of group "prod"',
    );
    noJob(agent);
    const allowed = call(erin, "ssh_run_command", { vm_name: "vm1", command: "systemctl status nginx" });
    expect(await answerExec(agent)).toBe("systemctl status nginx");
    expect((await allowed).isError).toBeFalsy();
  });

  it("sudo: false refuses commands that invoke sudo and installs that need it", async () => {
    const agent = await connectReady();
    const erin = await policyClient("erin-key");
    for (const command of ["echo hi; sudo reboot", "echo x | sudo tee /etc/motd", "echo $(FOO=1 /usr/bin/sudo id)"]) {
      const result = await call(erin, "ssh_run_command", { vm_name: "vm1", command });
      expect(textOf(result), command).toBe(
        "ssh_run_command on vm1 refused by policy: command invokes sudo and VM vm1 has sudo: false",
      );
    }
    const install = await call(erin, "ssh_install_packages", { vm_names: ["vm1"], packages: ["curl"] });
    expect(textOf(install)).toBe(
      'ssh_install_packages on vm1 refused by policy: installing as user "ubuntu" needs sudo and VM vm1 has sudo: false',
    );
    noJob(agent);
    // "sudo" that is not a command word is fine.
    const echo = call(erin, "ssh_run_command", { vm_name: "vm1", command: "echo sudo is not run here" });
    expect(await answerExec(agent)).toBe("echo sudo is not run here");
    expect((await echo).isError).toBeFalsy();
  });

  it("answers VMs the caller may not use with the single denial, before any policy", async () => {
    const agent = await connectReady();
    const erin = await policyClient("erin-key");
    const dave = await policyClient("dave-key");
    for (const [client, args] of [
      [erin, { vm_name: "vm2", command: "rm -rf /" }],
      [erin, { vm_name: "nope", command: "id" }],
      [dave, { vm_name: "nope", command: "id" }],
    ] as const) {
      const result = await call(client, "ssh_run_command", args);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe(DENIED_MESSAGE);
    }
    const parallel = await call(erin, "ssh_run_parallel", { vm_names: ["vm1", "vm2"], command: "rm -rf /" });
    expect(textOf(parallel)).toBe(DENIED_MESSAGE);
    noJob(agent);
  });
});
