import { describe, expect, it } from "vitest";
import { backupPathFor, folderOf, formatMode, namesFolder, parseMode, tempPathFor } from "./paths.js";

describe("remote paths", () => {
  it("puts the temporary file beside the target, hidden", () => {
    expect(tempPathFor("/etc/app.conf", "abc")).toBe("/etc/.app.conf.tc-abc.tmp");
    expect(tempPathFor("notes.txt", "abc")).toBe(".notes.txt.tc-abc.tmp");
    expect(tempPathFor("dir/notes.txt", "abc")).toBe("dir/.notes.txt.tc-abc.tmp");
    expect(tempPathFor("/top", "abc")).toBe("/.top.tc-abc.tmp");
    expect(tempPathFor("/etc/app.conf")).toMatch(/^\/etc\/\.app\.conf\.tc-[0-9a-f]{12}\.tmp$/);
  });

  it("keeps a temporary name under NAME_MAX for a long base name", () => {
    const long = `/tmp/${"é".repeat(250)}`;
    const temp = tempPathFor(long, "0123456789ab");
    const base = temp.slice("/tmp/".length);
    expect(Array.from(base).length).toBeLessThanOrEqual(255);
    expect(base.startsWith(".é")).toBe(true);
  });

  it("knows folders and backups", () => {
    expect(folderOf("/etc/hosts")).toBe("/etc");
    expect(folderOf("hosts")).toBe("");
    expect(folderOf("./hosts")).toBe(".");
    expect(backupPathFor("/etc/hosts")).toBe("/etc/hosts.bak");
    for (const p of ["/etc/", ".", "dir/.", "a/b/"]) expect(namesFolder(p), p).toBe(true);
    for (const p of ["/etc/hosts", ".bashrc", "a/b"]) expect(namesFolder(p), p).toBe(false);
  });

  it("reads and writes octal modes", () => {
    expect(parseMode("0644")).toBe(0o644);
    expect(parseMode("755")).toBe(0o755);
    expect(parseMode("04755")).toBe(0o4755);
    expect(formatMode(0o644)).toBe("0644");
    expect(formatMode(0o100600)).toBe("0600");
    expect(formatMode(0o4755)).toBe("04755");
    expect(formatMode(0o7)).toBe("0007");
  });
});
