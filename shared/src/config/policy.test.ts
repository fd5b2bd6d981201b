import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./load.js";
import { matchesPattern, parsePattern } from "./policy-pattern.js";

function problems(text: string): string[] {
  try {
    parseConfig(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected a ConfigError");
}

const matches = (pattern: string, command: string) => {
  const parsed = parsePattern(pattern);
  if (!parsed.ok) throw new Error(parsed.error);
  return matchesPattern(parsed.pattern, command);
};

describe("command patterns", () => {
  it("globs match the whole trimmed command: * any text, ? one character, the rest literal", () => {
    expect(matches("rm -rf *", "rm -rf /")).toBe(true);
    expect(matches("rm -rf *", "  rm -rf /var/lib  ")).toBe(true);
    expect(matches("rm -rf *", "sudo rm -rf /")).toBe(false);
    expect(matches("*rm -rf*", "cd / && rm -rf x")).toBe(true);
    expect(matches("systemctl status *", "systemctl status nginx")).toBe(true);
    expect(matches("systemctl status *", "systemctl stop nginx")).toBe(false);
    expect(matches("ls ?", "ls a")).toBe(true);
    expect(matches("ls ?", "ls ab")).toBe(false);
    expect(matches("echo (a|b).*", "echo (a|b).txt")).toBe(true);
    expect(matches("echo (a|b).*", "echo a")).toBe(false);
    expect(matches("*", "anything\nat all")).toBe(true);
    expect(matches("/usr/sbin/reboot", "/usr/sbin/reboot")).toBe(true);
  });

  it("in an allow rule, * and ? never stretch over a shell control character; in a deny rule they do", () => {
    const allows = (pattern: string, command: string) => {
      const parsed = parsePattern(pattern, "allow");
      if (!parsed.ok) throw new Error(parsed.error);
      return matchesPattern(parsed.pattern, command);
    };
    expect(allows("systemctl status *", "systemctl status nginx")).toBe(true);
    for (const chained of [
      "systemctl status x; rm -rf ~",
      "systemctl status x && reboot",
      "systemctl status x | sh",
      "systemctl status `reboot`",
      "systemctl status $(reboot)",
      "systemctl status x > /etc/passwd",
      "systemctl status x\nreboot",
    ]) {
      expect(allows("systemctl status *", chained), chained).toBe(false);
      expect(matches("systemctl status *", chained), chained).toBe(true);
    }
    // An allow rule that wants a pipe spells it out.
    expect(allows("journalctl -u * | tail", "journalctl -u nginx | tail")).toBe(true);
  });

  it("/.../ is a regular expression that may match anywhere", () => {
    expect(matches("/\\bshutdown\\b/", "sudo shutdown -h now")).toBe(true);
    expect(matches("/\\bshutdown\\b/", "echo noshutdowns")).toBe(false);
    expect(matches("/^apt(-get)? install /", "apt-get install -y curl")).toBe(true);
  });

  it("rejects empty patterns and invalid regular expressions", () => {
    expect(parsePattern("")).toEqual({ ok: false, error: "a pattern must not be empty" });
    expect(parsePattern("//")).toEqual({ ok: false, error: "the regular expression // is empty" });
    const bad = parsePattern("/(unclosed/");
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^not a valid regular expression \(.+\)$/);
    expect(!bad.ok && bad.error).not.toContain("unclosed");
  });
});

describe("policy fields in the config", () => {
  it("keeps a config without them valid and unchanged", () => {
    const config = parseConfig("vms: [{name: a, host: h, user: u}]\ngroups: [{name: g, vms: [a]}]\n");
    expect(config.groups).toEqual([{ name: "g", vms: ["a"] }]);
    expect(config.vms[0]).not.toHaveProperty("sudo");
  });

  it("accepts read_only, allow, deny, confirm on groups and sudo on VMs", () => {
    const config = parseConfig(`
vms: [{name: a, host: h, user: u, sudo: false}]
groups:
- {name: viewers, vms: [a], read_only: true}
- name: prod
  vms: [a]
  allow: ["systemctl * nginx", "/^cat /"]
  deny: ["rm -rf *", "/\\\\bshutdown\\\\b/"]
  confirm: destructive
`);
    expect(config.vms[0]?.sudo).toBe(false);
    expect(config.groups?.[0]).toEqual({ name: "viewers", vms: ["a"], read_only: true });
    expect(config.groups?.[1]).toMatchObject({
      allow: ["systemctl * nginx", "/^cat /"],
      deny: ["rm -rf *", "/\\bshutdown\\b/"],
      confirm: "destructive",
    });
  });

  it("names every bad policy field with its path", () => {
    expect(
      problems(`
vms: [{name: a, host: h, user: u, sudo: "no"}]
groups:
- {name: g1, vms: [a], read_only: "yes", confirm: always}
- {name: g2, vms: [a], allow: [], deny: ["", "/(/", 3]}
- {name: g3, vms: [a], read_only: true, deny: ["rm *"], allow: ["ls"]}
`),
    ).toEqual([
      "vms[0].sudo: must be boolean, got a string",
      "groups[0].read_only: must be boolean, got a string",
      'groups[0].confirm: must be "destructive" (the only kind of confirmation there is)',
      "groups[1].allow: list at least one pattern, or leave allow out",
      "groups[1].deny[0]: a pattern must not be empty",
      expect.stringMatching(/^groups\[1\]\.deny\[1\]: not a valid regular expression \(.+\)$/),
      "groups[1].deny[2]: must be a string, got a number (put it in quotes)",
      "groups[2].allow: has no effect on a read_only group (it runs no commands)",
      "groups[2].deny: has no effect on a read_only group (it runs no commands)",
    ]);
  });
});
