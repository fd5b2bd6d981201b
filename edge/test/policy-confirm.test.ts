import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { connectReady, execResult, type FakeAgent } from "./fake-agent.js";
import { textOf } from "./fixtures.js";
import { call, policyClient } from "./policy-fixtures.js";

interface Confirmation {
  confirmation_required: true;
  tool: string;
  vms: string[];
  would_run: string;
  confirmation_token: string;
  expires_at: string;
}

/** The structured part of a confirmation answer (its second text block). */
function confirmationOf(result: CallToolResult): Confirmation {
  const blocks = result.content as { type: string; text: string }[];
  expect(blocks[0]?.text).toContain("Confirmation needed");
  return JSON.parse(blocks[1]?.text ?? "{}") as Confirmation;
}

function noJob(agent: FakeAgent) {
  expect(agent.inbox.filter((m) => m.type === "job")).toEqual([]);
}

const RUN = { vm_name: "vm2", command: "rm -rf /srv/old" };

afterEach(() => vi.restoreAllMocks());

describe("confirm: destructive", () => {
  it("first call runs nothing and answers what would run with a token; the same call with it runs once", async () => {
    const agent = await connectReady();
    const frank = await policyClient("frank-key");
    const first = await call(frank, "ssh_run_command", RUN);
    const asked = confirmationOf(first);
    expect(asked).toMatchObject({
      confirmation_required: true,
      tool: "ssh_run_command",
      vms: ["vm2"],
      would_run: "rm -rf /srv/old",
    });
    expect(Date.parse(asked.expires_at) - Date.now()).toBeGreaterThan(4 * 60_000);
    expect(textOf(first)).toContain('group "careful"');
    noJob(agent);

    const second = call(frank, "ssh_run_command", { ...RUN, confirmation_token: asked.confirmation_token });
    const job = await agent.next("job");
    expect(job).toMatchObject({ kind: "exec", command: "rm -rf /srv/old", vm: "vm2" });
    agent.send({ type: "result", id: job.id, result: execResult("") });
    expect((await second).isError).toBeFalsy();

    const again = await call(frank, "ssh_run_command", { ...RUN, confirmation_token: asked.confirmation_token });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toBe(
      "ssh_run_command refused: confirmation_token was already used (a token runs its call once); call again without confirmation_token to get a new one",
    );
    noJob(agent);
  });

  it("refuses a token for other arguments, another tool, another user, or altered", async () => {
    const agent = await connectReady();
    const frank = await policyClient("frank-key");
    const hank = await policyClient("hank-key");
    const { confirmation_token } = confirmationOf(await call(frank, "ssh_run_command", RUN));
    const cases = [
      [frank, "ssh_run_command", { ...RUN, command: "rm -rf /" }, "confirmation_token was issued for other arguments"],
      [frank, "ssh_run_command", { ...RUN, timeout_s: 5 }, "confirmation_token was issued for other arguments"],
      [
        frank,
        "ssh_write_file",
        { vm_name: "vm2", path: "/tmp/x", content: "x" },
        "confirmation_token was issued for ssh_run_command, not ssh_write_file",
      ],
      [hank, "ssh_run_command", RUN, "confirmation_token was issued to another user"],
      [frank, "ssh_run_command", RUN, "confirmation_token is not valid", `${confirmation_token.slice(0, -2)}AA`],
      [frank, "ssh_run_command", RUN, "confirmation_token is not valid", "garbage"],
    ] as const;
    for (const [client, tool, args, why, token = confirmation_token] of cases) {
      const result = await call(client, tool, { ...args, confirmation_token: token });
      expect(result.isError, why).toBe(true);
      expect(textOf(result)).toContain(`${tool} refused: ${why}`);
    }
    noJob(agent);
    // None of them used the token up.
    const run = call(frank, "ssh_run_command", { ...RUN, confirmation_token });
    const job = await agent.next("job");
    agent.send({ type: "result", id: job.id, result: execResult("") });
    expect((await run).isError).toBeFalsy();
  });

  it("refuses an expired token with a clear message", async () => {
    const agent = await connectReady();
    const frank = await policyClient("frank-key");
    const { confirmation_token, expires_at } = confirmationOf(await call(frank, "ssh_run_command", RUN));
    const now = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(now + 5 * 60_000 + 1_000);
    const late = await call(frank, "ssh_run_command", { ...RUN, confirmation_token });
    expect(textOf(late)).toBe(
      `ssh_run_command refused: confirmation_token expired at ${expires_at} (tokens are valid 5 minutes); call again without confirmation_token to get a new one`,
    );
    noJob(agent);
  });

  it("asks on destructive tools only, never for read-only tools or dry runs", async () => {
    const agent = await connectReady();
    const frank = await policyClient("frank-key");
    const write = confirmationOf(
      await call(frank, "ssh_write_file", { vm_name: "vm2", path: "/etc/motd", content: "hi" }),
    );
    expect(write.would_run).toBe("write 2 characters (utf8) to /etc/motd");
    const install = confirmationOf(
      await call(frank, "ssh_install_packages", { vm_names: ["vm2"], packages: ["curl"] }),
    );
    expect(install.would_run).toBe("install curl");
    noJob(agent);
    const dry = call(frank, "ssh_install_packages", { vm_names: ["vm2"], packages: ["curl"], dry_run: true });
    const job = await agent.next("job");
    expect(job.kind).toBe("fanout");
    agent.send({ type: "error", id: job.id, code: "internal", message: "not scripted" });
    await dry;
  });
});
