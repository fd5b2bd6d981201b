/**
 * @module The peer tools the fleet bench compares against, installed from Debian packages
 * when missing (apt-get only: the bench talks to nothing else), and their versions.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** Debian package → the binary that tells whether it is installed. */
const PACKAGES: Record<string, string> = { pssh: "parallel-ssh", pdsh: "pdsh", ansible: "ansible" };

const has = (binary: string) => spawnSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" }).status === 0;

/** Installs the missing peers with apt-get; returns the packages it installed. Throws when apt-get fails. */
export function installPeers(log: (line: string) => void): string[] {
  const missing = Object.entries(PACKAGES)
    .filter(([, binary]) => !has(binary))
    .map(([pkg]) => pkg);
  if (!missing.length) return [];
  log(`installing Debian packages: ${missing.join(" ")} (apt-get install -y)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { env, encoding: "utf8" });
  let result = install();
  // A fresh container has no package lists yet: fetch them once and retry.
  if (result.status !== 0 && /Unable to locate package|has no installation candidate/.test(result.stderr)) {
    spawnSync("apt-get", ["update"], { env, stdio: "ignore" });
    result = install();
  }
  if (result.status !== 0) {
    throw new Error(`apt-get install ${missing.join(" ")} failed:\n${(result.stderr || result.stdout).slice(-2000)}`);
  }
  const still = missing.filter((pkg) => !has(PACKAGES[pkg] as string));
  if (still.length) throw new Error(`installed ${still.join(" ")} but its binary is still not on PATH`);
  const installed = /^Setting up (\S+)/gm;
  const all = [...result.stdout.matchAll(installed)].map((m) => m[1]);
  log(`installed ${all.length} packages: ${all.join(" ")}`);
  return missing;
}

/** First line of a command's output (stdout or stderr: several tools print versions on stderr). */
function firstLine(command: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(command, args, { encoding: "utf8", env: env ?? process.env });
  const text = `${r.stdout ?? ""}\n${r.stderr ?? ""}`.trim();
  return text.split("\n")[0]?.trim() || `${command}: no version output`;
}

/** Versions of every tool in the comparison, for the report; Ansible's scratch files go under `work`. */
export function peerVersions(work: string): Record<string, string> {
  const require = createRequire(import.meta.url);
  const ssh2 = JSON.parse(readFileSync(require.resolve("ssh2/package.json"), "utf8")) as { version: string };
  const dpkg = (pkg: string) => {
    try {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
      return execFileSync("dpkg-query", ["-W", "-f", "${Version}", pkg], { encoding: "utf8" });
    } catch {
      return "?";
    }
  };
  return {
    OpenSSH: firstLine("ssh", ["-V"]),
    xargs: firstLine("xargs", ["--version"]),
    "parallel-ssh": `${firstLine("parallel-ssh", ["--version"])} (Debian pssh ${dpkg("pssh")})`,
    pdsh: `${firstLine("pdsh", ["-V"])} (Debian pdsh ${dpkg("pdsh")})`,
    ansible: `${firstLine("ansible", ["--version"], { ...process.env, ANSIBLE_HOME: work, ANSIBLE_LOCAL_TEMP: work })} (Debian ansible ${dpkg("ansible")})`,
    ssh2: ssh2.version,
    sshd: firstLine("/usr/sbin/sshd", ["-V"]),
  };
}
