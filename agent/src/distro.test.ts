import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { DISTRO_SCRIPT, parseAddresses, parseDistro, parseOsRelease, parseSections } from "./distro.js";

/** Builds script output the way DISTRO_SCRIPT prints it. */
function output(sections: Record<string, string>, end = true): string {
  let text = "";
  for (const [name, body] of Object.entries(sections)) text += `\n@@tc:${name}\n${body}`;
  return end ? `${text}\n@@tc:end\n` : text;
}

const DEBIAN = output({
  "os-release": `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
ID=debian
HOME_URL="https://www.debian.org/"`,
  "release-files": "/etc/debian_version=12.7",
  kernel: "Linux",
  "kernel-release": "6.1.0-26-amd64",
  arch: "x86_64",
  init: "systemd",
  "package-manager": "apt-get",
  hostname: "web-1",
  "hostname-i": "10.0.0.5 fd00::5 ",
  "ip-addr": "1: lo    inet 127.0.0.1/8 scope host lo",
  user: "ubuntu",
  uid: "1000",
  sudo: "yes",
});

const ALPINE = output({
  "os-release": `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.20.3
PRETTY_NAME="Alpine Linux v3.20"`,
  "release-files": "/etc/alpine-release=3.20.3",
  kernel: "Linux",
  "kernel-release": "6.6.31-0-virt",
  arch: "aarch64",
  init: "init",
  "package-manager": "apk",
  hostname: "alpine-vm",
  "hostname-i": "",
  "ip-addr": `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever
2: eth0    inet 192.168.56.20/24 brd 192.168.56.255 scope global eth0\\       valid_lft forever
2: eth0    inet6 fe80::a00:27ff:fe4e:66a1/64 scope link \\       valid_lft forever`,
  user: "root",
  uid: "0",
  sudo: "absent",
});

const ARCH = output({
  "os-release": `NAME="Arch Linux"
PRETTY_NAME="Arch Linux"
ID=arch
BUILD_ID=rolling
ANSI_COLOR="38;2;23;147;209"`,
  "release-files": "/etc/arch-release=",
  kernel: "Linux",
  "kernel-release": "6.11.5-arch1-1",
  arch: "x86_64",
  init: "systemd",
  "package-manager": "pacman",
  hostname: "archie",
  "hostname-i": "10.9.8.7",
  user: "arch",
  uid: "1001",
  sudo: "no",
});

describe("parseDistro", () => {
  it("reads a Debian host", () => {
    expect(parseDistro(DEBIAN)).toEqual({
      kind: "distro",
      status: "ok",
      distro: {
        id: "debian",
        name: "Debian GNU/Linux",
        version: "12",
        pretty_name: "Debian GNU/Linux 12 (bookworm)",
        id_like: [],
      },
      platform: {
        kernel: "Linux",
        kernel_release: "6.1.0-26-amd64",
        arch: "x86_64",
        init: "systemd",
        package_manager: "apt",
      },
      network: { hostname: "web-1", addresses: ["10.0.0.5", "fd00::5"] },
      user: { name: "ubuntu", uid: 1000, is_root: false, passwordless_sudo: true },
      notes: [],
    });
  });

  it("reads an Alpine host: busybox, no hostname -I, root without sudo", () => {
    const r = parseDistro(ALPINE);
    expect(r.distro).toMatchObject({ id: "alpine", version: "3.20.3", pretty_name: "Alpine Linux v3.20" });
    expect(r.platform).toMatchObject({ arch: "aarch64", init: "init", package_manager: "apk" });
    expect(r.network.addresses).toEqual(["192.168.56.20"]);
    expect(r.user).toEqual({ name: "root", uid: 0, is_root: true, passwordless_sudo: false });
    expect(r.notes).toEqual(["sudo is not installed"]);
  });

  it("reads an Arch host: no VERSION_ID, sudo needs a password", () => {
    const r = parseDistro(ARCH);
    expect(r.distro).toEqual({ id: "arch", name: "Arch Linux", version: null, pretty_name: "Arch Linux", id_like: [] });
    expect(r.platform.package_manager).toBe("pacman");
    expect(r.user.passwordless_sudo).toBe(false);
    expect(r.notes).toEqual([]);
  });

  it("turns missing sections into nulls and notes, never an error", () => {
    const r = parseDistro(
      output({ "release-files": "/etc/redhat-release=CentOS release 6.10 (Final)", kernel: "Linux" }),
    );
    expect(r.status).toBe("ok");
    expect(r.distro).toEqual({
      id: "rhel",
      name: "Red Hat family",
      version: "6.10",
      pretty_name: "CentOS release 6.10 (Final)",
      id_like: [],
    });
    expect(r.platform).toEqual({
      kernel: "Linux",
      kernel_release: null,
      arch: null,
      init: null,
      package_manager: null,
    });
    expect(r.user).toEqual({ name: null, uid: null, is_root: false, passwordless_sudo: false });
    expect(r.notes).toEqual([
      "no /etc/os-release",
      "distro guessed from /etc/redhat-release",
      "init system unknown",
      "no known package manager found (apt, dnf, yum, zypper, pacman, apk)",
      "hostname unknown",
      "no network addresses found",
      "user id unknown (id not available)",
    ]);
  });

  it("says so when the script output is cut short or empty", () => {
    const r = parseDistro("");
    expect(r.distro.id).toBeNull();
    expect(r.notes).toContain("no /etc/os-release");
    expect(r.notes).toContain("the diagnostics script did not run to the end; some fields may be missing");
  });

  it("parses the real script's output on this machine", () => {
    const stdout = execFileSync("sh", ["-c", DISTRO_SCRIPT], { encoding: "utf8" });
    const r = parseDistro(stdout);
    expect(r.platform.kernel).toBe("Linux");
    expect(r.platform.kernel_release).toBe(execFileSync("uname", ["-r"], { encoding: "utf8" }).trim());
    expect(r.user.uid).toBe(process.getuid?.());
    expect(r.network.hostname).toBeTruthy();
    expect(r.distro.id).toBeTruthy();
    expect(r.notes).not.toContain("the diagnostics script did not run to the end; some fields may be missing");
  });
});

describe("pieces", () => {
  it("parseOsRelease unquotes and unescapes", () => {
    expect(parseOsRelease(['A="x \\"y\\" \\$z"', "B='single'", "C=bare", "lower=no", "D="])).toEqual({
      A: 'x "y" $z',
      B: "single",
      C: "bare",
      D: "",
    });
  });

  it("parseSections starts a section only on a marker line", () => {
    const s = parseSections("junk\n@@tc:a\n x \n\n@@tc:b\n");
    expect([...s.entries()]).toEqual([
      ["a", ["x"]],
      ["b", []],
    ]);
  });

  it("parseAddresses keeps loopback only when there is nothing else", () => {
    expect(parseAddresses([], ["1: lo    inet 127.0.0.1/8 scope host lo"])).toEqual(["127.0.0.1"]);
    expect(parseAddresses(["10.0.0.1 10.0.0.1 fe80::1"], [])).toEqual(["10.0.0.1"]);
    expect(parseAddresses([], [])).toEqual([]);
  });
});
