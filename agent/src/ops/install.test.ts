import type { PackageManager } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { runInstall } from "./install.js";
import { DETECT_SCRIPT, MEMO_MANAGER, MEMO_PRIVILEGE } from "./packages/detect.js";
import { type FakeVm, fakeContext, fixture } from "./packages/fake-vm.js";
import { NO_SUDO, SUDO_PASSWORD } from "./packages/outcome.js";

interface Case {
  manager: PackageManager;
  vm: Pick<FakeVm, "osRelease" | "programs">;
  install: string;
  sudoInstall: string;
  update: string[];
  /** What the manager does with `tree nosuchpkg`: exit code, and whether tree still got in. */
  unknown: { rc: number; treeInstalled: boolean; error: string };
}

const CASES: Case[] = [
  {
    manager: "apt",
    vm: { osRelease: "debian-12", programs: ["apt-get", "sudo"] },
    install: "DEBIAN_FRONTEND=noninteractive apt-get install -y",
    sudoInstall: "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y",
    update: ["apt-get update"],
    unknown: { rc: 100, treeInstalled: false, error: "E: Unable to locate package nosuchpkg" },
  },
  {
    manager: "dnf",
    vm: { osRelease: "fedora-40", programs: ["dnf", "yum", "sudo"] },
    install: "dnf -y install",
    sudoInstall: "sudo -n dnf -y install",
    update: ["dnf makecache"],
    unknown: { rc: 1, treeInstalled: false, error: "No match for argument: nosuchpkg" },
  },
  {
    manager: "yum",
    vm: { osRelease: "centos-7", programs: ["yum", "sudo"] },
    install: "yum -y install",
    sudoInstall: "sudo -n yum -y install",
    update: ["yum makecache"],
    unknown: { rc: 0, treeInstalled: true, error: "No package nosuchpkg available." },
  },
  {
    manager: "zypper",
    vm: { osRelease: "opensuse-leap-15.5", programs: ["zypper", "sudo"] },
    install: "zypper --non-interactive install",
    sudoInstall: "sudo -n zypper --non-interactive install",
    update: ["zypper --non-interactive refresh"],
    unknown: { rc: 104, treeInstalled: true, error: "No provider of 'nosuchpkg' found." },
  },
  {
    manager: "pacman",
    vm: { osRelease: "arch", programs: ["pacman", "sudo"] },
    install: "pacman -S --noconfirm --needed",
    sudoInstall: "sudo -n pacman -S --noconfirm --needed",
    update: [],
    unknown: { rc: 1, treeInstalled: false, error: "error: target not found: nosuchpkg" },
  },
  {
    manager: "apk",
    vm: { osRelease: "alpine-3.20", programs: ["apk", "sudo"] },
    install: "apk add",
    sudoInstall: "sudo -n apk add",
    update: ["apk update"],
    unknown: {
      rc: 1,
      treeInstalled: false,
      error: "ERROR: unable to select packages: nosuchpkg (no such package)",
    },
  },
];

/** Words that only a state-changing command contains. */
const CHANGES =
  /apt-get (install|update)|dnf (-y|makecache)|yum (-y|makecache)|zypper --|pacman -S|apk (add|update)|sudo -n/;

const task = (packages: string[], extra: { dry_run?: boolean; update_index?: boolean } = {}) => ({
  op: "install" as const,
  packages,
  dry_run: extra.dry_run ?? false,
  update_index: extra.update_index ?? false,
});

describe.each(CASES)("$manager", (c) => {
  const root = (vm: Partial<FakeVm> = {}) => fakeContext({ ...c.vm, uid: 0, ...vm });

  it("installs a missing package with the exact, quoted command as the run's label", async () => {
    const { ctx, calls } = root({
      installOutput: fixture(`output/${c.manager}-success.txt`),
      installedAfter: ["tree"],
    });
    const { report, result } = await runInstall(task(["tree"]), ctx);
    const command = `${c.install} 'tree'`;
    expect(report).toEqual({
      op: "install",
      manager: c.manager,
      installed: ["tree"],
      already_present: [],
      failed: [],
      command,
      commands: [command],
      dry_run: false,
      return_code: 0,
    });
    expect(result.error).toBeNull();
    expect(calls.map((call) => call.label)).toEqual([
      expect.stringContaining("detect package manager"),
      expect.stringMatching(/'tree'$/),
      command,
    ]);
    expect(calls[2]?.script).toContain(`out=$(${command} 2>&1); rc=$?`);
    expect(ctx.memo.get(MEMO_MANAGER)).toBe(c.manager);
    expect(ctx.memo.get(MEMO_PRIVILEGE)).toBe("root");
  });

  it("leaves already installed packages out of the command", async () => {
    const { ctx, calls } = root({ installed: ["bash"], installedAfter: ["bash", "tree"] });
    const { report } = await runInstall(task(["bash", "tree"]), ctx);
    expect(report.already_present).toEqual(["bash"]);
    expect(report.installed).toEqual(["tree"]);
    expect(report.command).toBe(`${c.install} 'tree'`);
    expect(calls[2]?.script).not.toContain("'bash'");
  });

  it("runs no install when everything is already there", async () => {
    const { ctx, calls } = root({ installed: ["bash"] });
    const { report, result } = await runInstall(task(["bash"], { update_index: true }), ctx);
    expect(report).toMatchObject({ already_present: ["bash"], installed: [], command: null, commands: [] });
    expect(report.return_code).toBeNull();
    expect(result.error).toBeNull();
    expect(calls).toHaveLength(2);
    expect(calls.some((call) => CHANGES.test(call.script))).toBe(false);
  });

  it("reports an unknown package with the manager's own line", async () => {
    const { ctx } = root({
      installOutput: fixture(`output/${c.manager}-unknown.txt`),
      installRc: c.unknown.rc,
      installedAfter: c.unknown.treeInstalled ? ["tree"] : [],
    });
    const { report, result } = await runInstall(task(["tree", "nosuchpkg"]), ctx);
    expect(report.command).toBe(`${c.install} 'tree' 'nosuchpkg'`);
    expect(report.return_code).toBe(c.unknown.rc);
    expect(report.failed).toContainEqual({ package: "nosuchpkg", error: c.unknown.error });
    if (c.unknown.treeInstalled) {
      expect(report.installed).toEqual(["tree"]);
      expect(report.failed).toHaveLength(1);
      expect(result.error).toMatch(/^1 of 2 packages failed: nosuchpkg \(/);
    } else {
      // The manager refused the whole transaction: tree gets the exit code and last line.
      expect(report.installed).toEqual([]);
      expect(report.failed).toContainEqual({
        package: "tree",
        error: expect.stringMatching(new RegExp(`^the install failed \\(exit ${c.unknown.rc}\\): `)),
      });
      expect(result.error).toMatch(/^2 of 2 packages failed: /);
    }
  });

  it("uses sudo -n when not root, and says so when sudo wants a password", async () => {
    const { ctx, calls } = fakeContext({
      ...c.vm,
      uid: 1000,
      installOutput: fixture("output/sudo-password.txt"),
      installRc: 1,
    });
    const { report, result } = await runInstall(task(["tree", "nosuchpkg"]), ctx);
    expect(report.command).toBe(`${c.sudoInstall} 'tree' 'nosuchpkg'`);
    expect(calls[2]?.label).toBe(report.command);
    expect(report.failed).toEqual([
      { package: "tree", error: SUDO_PASSWORD },
      { package: "nosuchpkg", error: SUDO_PASSWORD },
    ]);
    expect(result.error).toBe(`2 of 2 packages failed: tree, nosuchpkg (${SUDO_PASSWORD})`);
    // The query never needs root.
    expect(calls[1]?.script).not.toContain("sudo");
  });

  it("refuses to try without root or sudo", async () => {
    const { ctx, calls } = fakeContext({ ...c.vm, programs: c.vm.programs.filter((p) => p !== "sudo"), uid: 1000 });
    const { report, result } = await runInstall(task(["tree"]), ctx);
    expect(report.failed).toEqual([{ package: "tree", error: NO_SUDO }]);
    expect(report.command).toBeNull();
    expect(result.error).toContain("sudo is not installed");
    expect(calls).toHaveLength(2);
  });

  it("refreshes the index first when asked", async () => {
    const { ctx, calls } = root({ installedAfter: ["tree"] });
    const { report } = await runInstall(task(["tree"], { update_index: true }), ctx);
    const install = c.manager === "pacman" ? "pacman -Sy --noconfirm --needed 'tree'" : `${c.install} 'tree'`;
    expect(report.commands).toEqual([...c.update, install]);
    expect(report.command).toBe(install);
    for (const update of c.update) expect(calls[2]?.script).toContain(`uout=$(${update} 2>&1); urc=$?`);
  });

  it("dry run: lists the commands and runs nothing that changes the VM", async () => {
    const { ctx, calls } = fakeContext({ ...c.vm, uid: 1000, installed: ["bash"] });
    const { report, result } = await runInstall(task(["bash", "tree"], { dry_run: true, update_index: true }), ctx);
    const install =
      c.manager === "pacman" ? "sudo -n pacman -Sy --noconfirm --needed 'tree'" : `${c.sudoInstall} 'tree'`;
    expect(report).toEqual({
      op: "install",
      manager: c.manager,
      installed: [],
      already_present: ["bash"],
      failed: [],
      command: install,
      commands: [...c.update.map((u) => `sudo -n ${u}`), install],
      dry_run: true,
      return_code: null,
    });
    expect(result.error).toBeNull();
    expect(calls.map((call) => call.script.includes("s before") || call.script === DETECT_SCRIPT)).toEqual([
      true,
      true,
    ]);
    for (const call of calls) expect(call.script).not.toMatch(CHANGES);
  });
});

describe("runInstall", () => {
  const debian = () => fakeContext({ osRelease: "debian-12", programs: ["apt-get"], uid: 0, installedAfter: ["tree"] });

  it("detects once per VM, then works from the memo", async () => {
    const { ctx, calls } = debian();
    await runInstall(task(["tree"]), ctx);
    await runInstall(task(["tree"]), ctx);
    expect(calls.filter((call) => call.script === DETECT_SCRIPT)).toHaveLength(1);
  });

  it("refuses hostile names before any command, and still installs the good one", async () => {
    const hostile = ["; rm -rf /", "$(touch x)", "-y", "a\nb", "x".repeat(5000), "`id`", "tree-", "foo'bar"];
    const { ctx, calls } = debian();
    const { report, result } = await runInstall(task([...hostile, "tree"]), ctx);
    expect(report.failed.map((f) => f.package)).toEqual(hostile);
    for (const f of report.failed) expect(f.error).toMatch(/^not a valid apt package: /);
    expect(report.installed).toEqual(["tree"]);
    expect(report.command).toBe("DEBIAN_FRONTEND=noninteractive apt-get install -y 'tree'");
    for (const call of calls) {
      for (const bad of ["rm -rf", "touch x", "'-y'", "a\nb", "xxxxxxxxxx", "`id`", "tree-", "foo"]) {
        expect(call.script).not.toContain(bad);
      }
    }
    expect(result.error).toMatch(/^8 of 9 packages failed: /);
    expect(result.error).not.toContain("\n");
  });

  it("runs nothing after detection when every name is refused", async () => {
    const { ctx, calls } = debian();
    const { report, result } = await runInstall(task(["Bad_Name"]), ctx);
    expect(report.failed).toHaveLength(1);
    expect(report.installed).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(result.error).toMatch(/^1 of 1 package failed: Bad_Name \(not a valid apt package/);
  });

  it("fails every package when the VM has no known manager", async () => {
    const { ctx } = fakeContext({ osRelease: "debian-12", programs: [], uid: 0 });
    const { report, result } = await runInstall(task(["tree"]), ctx);
    expect(report.manager).toBeNull();
    expect(report.failed).toEqual([
      { package: "tree", error: expect.stringContaining("no supported package manager") },
    ]);
    expect(result.error).toContain("no supported package manager");
    expect(ctx.memo.size).toBe(0);
  });

  it("counts a package asked twice once", async () => {
    const { ctx } = debian();
    const { report } = await runInstall(task(["tree", "tree"]), ctx);
    expect(report.command).toBe("DEBIAN_FRONTEND=noninteractive apt-get install -y 'tree'");
  });

  it("passes an apt version and arch through, quoted, and queries by name:arch", async () => {
    const { ctx, calls } = debian();
    const { report } = await runInstall(task(["curl:amd64=7.88.1-10+deb12u5"]), ctx);
    expect(report.command).toBe("DEBIAN_FRONTEND=noninteractive apt-get install -y 'curl:amd64=7.88.1-10+deb12u5'");
    expect(calls[1]?.script).toContain("if q 'curl:amd64' '7.88.1-10+deb12u5'; then");
    expect(calls[1]?.label).toBe("dpkg-query -W 'curl:amd64'");
  });

  it("takes the error of an update that sudo refused", async () => {
    const { ctx } = fakeContext({
      osRelease: "ubuntu-24.04",
      programs: ["apt-get", "sudo"],
      uid: 1000,
      updateOutput: "sudo: a password is required",
      updateRc: 1,
      installOutput: "sudo: a password is required",
      installRc: 1,
    });
    const { report } = await runInstall(task(["tree"], { update_index: true }), ctx);
    expect(report.commands).toEqual([
      "sudo -n apt-get update",
      "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y 'tree'",
    ]);
    expect(report.failed).toEqual([{ package: "tree", error: SUDO_PASSWORD }]);
  });
});
