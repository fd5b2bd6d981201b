import { describe, expect, it } from "vitest";
import { parseOsRelease } from "../../distro.js";
import { chooseManager, parseDetection, rememberedSetup, rememberSetup } from "./detect.js";
import { fixture } from "./fake-vm.js";

const os = (name: string) => parseOsRelease(fixture(`os-release/${name}`).split("\n"));

describe("chooseManager", () => {
  it.each([
    ["debian-12", ["apt-get"], "apt"],
    ["ubuntu-24.04", ["apt-get"], "apt"],
    ["fedora-40", ["dnf", "yum"], "dnf"],
    ["centos-7", ["yum"], "yum"],
    ["rocky-9", ["yum", "dnf"], "dnf"],
    ["opensuse-leap-15.5", ["zypper"], "zypper"],
    ["arch", ["pacman"], "pacman"],
    ["alpine-3.20", ["apk"], "apk"],
  ])("%s with %j → %s", (release, programs, manager) => {
    expect(chooseManager(os(release), new Set(programs))).toBe(manager);
  });

  it("trusts the distro over a stray manager of another family", () => {
    expect(chooseManager(os("fedora-40"), new Set(["apt-get", "dnf"]))).toBe("dnf");
    expect(chooseManager(os("debian-12"), new Set(["apk", "apt-get"]))).toBe("apt");
  });

  it("goes by ID_LIKE, then by what is installed", () => {
    expect(chooseManager({ ID: "mydistro", ID_LIKE: "rhel fedora" }, new Set(["yum"]))).toBe("yum");
    expect(chooseManager({ ID: "centos" }, new Set(["apk"]))).toBe("apk");
    expect(chooseManager({}, new Set(["zypper", "pacman"]))).toBe("zypper");
    expect(chooseManager(os("debian-12"), new Set())).toBeNull();
  });
});

describe("parseDetection", () => {
  const out = (programs: string, uid: string) =>
    `\n@@tc:os-release\n${fixture("os-release/rocky-9")}\n@@tc:programs\n${programs}\n@@tc:uid\n${uid}\n@@tc:end\n`;

  it("reads root, sudo or neither", () => {
    expect(parseDetection(out("dnf\nyum\nsudo", "0")).setup).toEqual({ manager: "dnf", privilege: "root" });
    expect(parseDetection(out("dnf\nyum\nsudo", "1000")).setup).toEqual({ manager: "dnf", privilege: "sudo" });
    expect(parseDetection(out("yum", "1000")).setup).toEqual({ manager: "yum", privilege: "none" });
    expect(parseDetection(out("sudo", "0")).setup).toBeNull();
    expect(parseDetection("").setup).toBeNull();
  });

  it("keeps the setup in the memo and ignores a memo it did not write", () => {
    const memo = new Map<string, string>();
    expect(rememberedSetup(memo)).toBeNull();
    rememberSetup(memo, { manager: "zypper", privilege: "sudo" });
    expect(rememberedSetup(memo)).toEqual({ manager: "zypper", privilege: "sudo" });
    memo.set("package_manager", "brew");
    expect(rememberedSetup(memo)).toBeNull();
  });
});
