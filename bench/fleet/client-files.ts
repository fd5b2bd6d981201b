/**
 * @module The client-side files the peer tools read: one OpenSSH config with a `Host`
 * alias per host (host keys checked against a generated known_hosts, never prompted), a
 * hosts file of those aliases, and an Ansible inventory of the same hosts.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { FleetHost } from "./types.js";

export interface ClientFiles {
  /** `ssh -F` config: `Host h001` → HostName, Port, User, IdentityFile, known_hosts. */
  sshConfig: string;
  knownHosts: string;
  /** One alias per line, for parallel-ssh `-h` and pdsh `-w ^file`. */
  hostsFile(n: number): string;
  /** Ansible INI inventory of the first n hosts. */
  inventory(n: number): string;
}

/** `[127.0.1.1]:2222`, the way ssh looks a non-22 port up in known_hosts. */
const knownHostsName = (h: FleetHost) => (h.port === 22 ? h.host : `[${h.host}]:${h.port}`);

/** Writes the files for `hosts` into `dir`; per-size files (hosts, inventory) on demand. */
export function writeClientFiles(dir: string, hosts: FleetHost[]): ClientFiles {
  const knownHosts = path.join(dir, "known_hosts");
  writeFileSync(knownHosts, hosts.map((h) => `${knownHostsName(h)} ${h.hostPublicKey}\n`).join(""), { mode: 0o600 });

  const sshConfig = path.join(dir, "ssh_config");
  const stanza = (h: FleetHost) =>
    [
      `Host ${h.name}`,
      `  HostName ${h.host}`,
      `  Port ${h.port}`,
      `  User ${h.user}`,
      `  IdentityFile ${h.clientKeyPath}`,
      "  IdentitiesOnly yes",
      "",
    ].join("\n");
  const common = [
    // After every Host block: ssh takes the first value it finds for each option.
    "Host *",
    `  UserKnownHostsFile ${knownHosts}`,
    "  GlobalKnownHostsFile /dev/null",
    "  StrictHostKeyChecking yes",
    "  BatchMode yes",
    "",
  ].join("\n");
  writeFileSync(sshConfig, `${hosts.map(stanza).join("\n")}\n${common}`, { mode: 0o600 });

  return {
    sshConfig,
    knownHosts,
    hostsFile(n) {
      const file = path.join(dir, `hosts-${n}`);
      writeFileSync(
        file,
        hosts
          .slice(0, n)
          .map((h) => `${h.name}\n`)
          .join(""),
      );
      return file;
    },
    inventory(n) {
      const file = path.join(dir, `inventory-${n}.ini`);
      const line = (h: FleetHost) =>
        [
          h.name,
          `ansible_host=${h.host}`,
          `ansible_port=${h.port}`,
          `ansible_user=${h.user}`,
          `ansible_ssh_private_key_file=${h.clientKeyPath}`,
          // In the sshd's scratch dir, removed on stop: the test user's home stays dotfile-free.
          `ansible_remote_tmp=${h.runDir}/.ansible-tmp`,
        ].join(" ");
      const sshArgs = `-F /dev/null -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes`;
      const vars = [
        "[all:vars]",
        `ansible_ssh_common_args='${sshArgs}'`,
        // Pinned rather than discovered: discovery costs an extra round trip per host.
        "ansible_python_interpreter=/usr/bin/python3",
      ];
      writeFileSync(file, `${hosts.slice(0, n).map(line).join("\n")}\n\n${vars.join("\n")}\n`);
      return file;
    },
  };
}
