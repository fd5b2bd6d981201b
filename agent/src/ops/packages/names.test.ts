import { PACKAGE_MANAGERS, type PackageManager } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { checkPackage } from "./names.js";

const ok = (manager: PackageManager, spec: string) => checkPackage(manager, spec).ok;

describe("checkPackage", () => {
  it.each(PACKAGE_MANAGERS)("%s refuses hostile names", (manager) => {
    const hostile = [
      "; rm -rf /",
      "$(touch x)",
      "`id`",
      "-y",
      "--force",
      "a\nb",
      "a b",
      "x".repeat(201),
      "",
      "a/b",
      "*",
    ];
    for (const spec of hostile) expect(checkPackage(manager, spec), JSON.stringify(spec)).toMatchObject({ ok: false });
  });

  it("says which rule a name broke, showing it safely", () => {
    const long = checkPackage("apt", "x".repeat(5000));
    expect(long).toEqual({ ok: false, error: expect.stringContaining("(5000 characters) is longer than 200") });
    expect(checkPackage("apt", "-y")).toEqual({
      ok: false,
      error: 'not a valid apt package: "-y" would be read as an option',
    });
    expect(checkPackage("apt", "a\nb")).toMatchObject({ error: expect.stringContaining('"a\\nb"') });
  });

  it("apt: Debian policy names, :arch and =version", () => {
    expect(checkPackage("apt", "curl:amd64=7.88.1-10+deb12u5")).toEqual({
      ok: true,
      pkg: { spec: "curl:amd64=7.88.1-10+deb12u5", name: "curl", arch: "amd64", version: "7.88.1-10+deb12u5" },
    });
    for (const good of [
      "g++",
      "libstdc++6",
      "python3.11",
      "hello=2.10-3",
      "openssh-server",
      "systemd=1:252.30-1~deb12u2",
    ]) {
      expect(ok("apt", good), good).toBe(true);
    }
    // Uppercase, one letter, a version not starting with a digit, remove/install suffixes.
    for (const bad of ["Hello", "a", "curl=latest", "tree-", "curl:AMD64", "foo_bar"]) {
      expect(ok("apt", bad), bad).toBe(false);
    }
  });

  it("dnf, yum, zypper: RPM names with an optional version", () => {
    for (const manager of ["dnf", "yum", "zypper"] as const) {
      for (const good of [
        "tree",
        "NetworkManager",
        "perl-Net-SSLeay",
        "nginx-1.24.0",
        "bash-0:5.2.26-3.fc40.x86_64",
        "gcc-c++",
        "libfoo-1.0~rc1",
      ]) {
        expect(ok(manager, good), good).toBe(true);
      }
      for (const bad of ["tree=1.0", "@core", "a:b"]) expect(ok(manager, bad), bad).toBe(false);
    }
  });

  it("pacman: makepkg names, never a version", () => {
    for (const good of ["tree", "python-pip", "lib32-glibc", "gtk2+extra", "r@nd"])
      expect(ok("pacman", good), good).toBe(true);
    for (const bad of ["tree=2.1", ".hidden", "a:b"]) expect(ok("pacman", bad), bad).toBe(false);
  });

  it("apk: names with an optional =version", () => {
    expect(checkPackage("apk", "curl=8.9.1-r0")).toEqual({
      ok: true,
      pkg: { spec: "curl=8.9.1-r0", name: "curl", arch: null, version: "8.9.1-r0" },
    });
    for (const good of ["py3-pip", "build-base", "libstdc++"]) expect(ok("apk", good), good).toBe(true);
    for (const bad of ["curl>8", "curl=", "curl:amd64", "curl~8"]) expect(ok("apk", bad), bad).toBe(false);
  });
});
