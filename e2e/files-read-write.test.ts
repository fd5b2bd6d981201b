/**
 * Remote files end to end over SFTP, reading and writing: MCP client → wrangler dev edge →
 * agent → sshd's sftp-server, as the unprivileged test user. Reads (text, binary, paging),
 * atomic writes (modes, backups, symbolic links, failures that leave the old file and no
 * temporary file, a full disk).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
} from "node:fs";
import path from "node:path";
import { MAX_WRITE_BYTES, type ReadFile, type WriteFile } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { expectOk, expectToolError } from "./harness/expect-tool.js";
import { failureText, useFilesStack } from "./harness/files-env.js";
import { sshdAvailable, VM } from "./harness/index.js";

describe.skipIf(!sshdAvailable())("remote files over SFTP: read and write", () => {
  const env = useFilesStack();
  const { put, read, write, leftovers } = env;

  describe("ssh_read_file", () => {
    it("reads a text file whole, as UTF-8", async () => {
      const file = put("hello.txt", "héllo\nwörld\n");
      const got = expectOk<ReadFile>(await read({ vm_name: VM.alpha, path: file }));
      expect(got).toEqual({
        vm: VM.alpha,
        path: file,
        size: 14,
        offset: 0,
        bytes_read: 14,
        encoding: "utf8",
        binary: false,
        content: "héllo\nwörld\n",
        eof: true,
      });
    });

    it("reads a binary file as base64", async () => {
      const data = Buffer.concat([Buffer.from([0, 1, 2, 255, 254]), randomBytes(3000)]);
      const file = put("blob.bin", data);
      const got = expectOk<ReadFile>(await read({ vm_name: VM.beta, path: file }));
      expect(got).toMatchObject({
        encoding: "base64",
        binary: true,
        bytes_read: data.length,
        size: data.length,
        eof: true,
      });
      expect(Buffer.from(got.content, "base64").equals(data)).toBe(true);
    });

    it("reads a relative path from the SSH user's home", async () => {
      const rel = path.relative(env.stack.sshd.home, put("rel.txt", "relative\n"));
      const got = expectOk<ReadFile>(await read({ vm_name: VM.gamma, path: rel }));
      expect(got.content).toBe("relative\n");
    });

    it("pages through a large file with offset, never splitting a character", async () => {
      const text = "ligne numéro € 😀 \n".repeat(12_000); // ~300 KB, multi-byte characters throughout
      const file = put("big.txt", text);
      const size = Buffer.byteLength(text);
      const first = expectOk<ReadFile>(await read({ vm_name: VM.alpha, path: file }));
      expect(first).toMatchObject({ size, offset: 0, encoding: "utf8", eof: false });
      expect(first.bytes_read).toBeGreaterThan(65_536 - 4);
      expect(first.bytes_read).toBeLessThanOrEqual(65_536);
      let offset = 0;
      let out = "";
      let pages = 0;
      for (;;) {
        const page = expectOk<ReadFile>(await read({ vm_name: VM.alpha, path: file, offset, max_bytes: 50_001 }));
        expect(page).toMatchObject({ offset, size, encoding: "utf8" });
        expect(page.bytes_read).toBe(Buffer.byteLength(page.content));
        out += page.content;
        offset += page.bytes_read;
        pages++;
        if (page.eof) break;
        expect(pages).toBeLessThan(20);
      }
      expect(offset).toBe(size);
      expect(out).toBe(text);
      const past = expectOk<ReadFile>(await read({ vm_name: VM.alpha, path: file, offset: size + 10 }));
      expect(past).toMatchObject({ bytes_read: 0, content: "", eof: true, size });
    });

    it("says clearly what is wrong: missing, a directory, no permission", async () => {
      const missing = expectToolError(await read({ vm_name: VM.alpha, path: `${env.scratch}/nope.txt` }));
      expect(missing).toBe(`ssh_read_file on ${VM.alpha} failed: ${env.scratch}/nope.txt: no such file or directory`);
      expect(expectToolError(await read({ vm_name: VM.alpha, path: env.scratch }))).toContain(
        `${env.scratch}: is a directory`,
      );
      // The SSH user is not root: /etc/shadow is root's alone.
      expect(expectToolError(await read({ vm_name: VM.alpha, path: "/etc/shadow" }))).toContain(
        "/etc/shadow: permission denied",
      );
    });
  });

  describe("ssh_write_file", () => {
    it("creates a new file with the mode asked, atomically", async () => {
      const file = path.join(env.scratch, "new.conf");
      const got = expectOk<WriteFile>(
        await write({ vm_name: VM.alpha, path: file, content: "key = välue\n", mode: "0600" }),
      );
      expect(got).toEqual({
        vm: VM.alpha,
        path: file,
        bytes_written: 13,
        created: true,
        backup_path: null,
        mode: "0600",
      });
      expect(readFileSync(file, "utf8")).toBe("key = välue\n");
      const st = statSync(file);
      expect(st.mode & 0o7777).toBe(0o600);
      expect(st.uid).toBe(env.uid);
      expect(leftovers()).toEqual([]);
    });

    it("writes base64 content byte for byte, and an empty file", async () => {
      const data = randomBytes(70_000);
      const file = path.join(env.scratch, "written.bin");
      const got = expectOk<WriteFile>(
        await write({ vm_name: VM.beta, path: file, content: data.toString("base64"), encoding: "base64" }),
      );
      expect(got).toMatchObject({ bytes_written: data.length, created: true, mode: "0644" });
      expect(readFileSync(file).equals(data)).toBe(true);
      const empty = path.join(env.scratch, "empty.txt");
      expect(expectOk<WriteFile>(await write({ vm_name: VM.beta, path: empty, content: "" })).bytes_written).toBe(0);
      expect(readFileSync(empty, "utf8")).toBe("");
    });

    it("replaces a file by a rename, keeping its mode, with a backup of the old one", async () => {
      const file = put("app.conf", "old = 1\n", 0o640);
      const inodeBefore = statSync(file).ino;
      const got = expectOk<WriteFile>(
        await write({ vm_name: VM.alpha, path: file, content: "new = 2\n", backup: true }),
      );
      expect(got).toEqual({
        vm: VM.alpha,
        path: file,
        bytes_written: 8,
        created: false,
        backup_path: `${file}.bak`,
        mode: "0640",
      });
      expect(readFileSync(file, "utf8")).toBe("new = 2\n");
      expect(statSync(file).mode & 0o7777).toBe(0o640);
      // A new inode: the file was swapped whole, never rewritten in place.
      expect(statSync(file).ino).not.toBe(inodeBefore);
      expect(readFileSync(`${file}.bak`, "utf8")).toBe("old = 1\n");
      expect(statSync(`${file}.bak`).mode & 0o7777).toBe(0o640);
      // Without backup, the .bak of the last one stays as it was.
      expectOk<WriteFile>(await write({ vm_name: VM.alpha, path: file, content: "third\n", mode: "644" }));
      expect(readFileSync(`${file}.bak`, "utf8")).toBe("old = 1\n");
      expect(statSync(file).mode & 0o7777).toBe(0o644);
      expect(leftovers()).toEqual([]);
    });

    it("leaves the old file intact and no temporary file when a write fails", async () => {
      const missingDir = path.join(env.scratch, "no-such-dir", "x.conf");
      const text = expectToolError(await write({ vm_name: VM.alpha, path: missingDir, content: "x" }));
      expect(text).toContain("no such file or directory");
      expect(existsSync(path.dirname(missingDir))).toBe(false);

      // The backup cannot be made (a directory sits at app2.conf.bak): nothing changes.
      const file = put("app2.conf", "precious\n", 0o600);
      mkdirSync(`${file}.bak`);
      chownSync(`${file}.bak`, env.uid, env.gid);
      const failed = expectToolError(
        await write({ vm_name: VM.alpha, path: file, content: "replacement\n", backup: true }),
      );
      expect(failed).toMatch(/^ssh_write_file on alpha failed: /);
      expect(readFileSync(file, "utf8")).toBe("precious\n");
      expect(statSync(file).mode & 0o7777).toBe(0o600);

      // A directory at the target is refused.
      expect(expectToolError(await write({ vm_name: VM.alpha, path: `${file}.bak`, content: "x" }))).toContain(
        "is a directory",
      );
      expect(expectToolError(await write({ vm_name: VM.alpha, path: `${env.scratch}/`, content: "x" }))).toContain(
        "names a folder",
      );
      expect(leftovers()).toEqual([]);
    });

    it("refuses a symbolic link unless follow_symlinks, then writes the real file", async () => {
      const real = put("real.txt", "real\n", 0o640);
      const link = path.join(env.scratch, "link.txt");
      symlinkSync("real.txt", link);
      const refused = expectToolError(await write({ vm_name: VM.gamma, path: link, content: "through\n" }));
      expect(refused).toContain("is a symbolic link");
      expect(refused).toContain("follow_symlinks");
      expect(readFileSync(real, "utf8")).toBe("real\n");

      const got = expectOk<WriteFile>(
        await write({ vm_name: VM.gamma, path: link, content: "through\n", follow_symlinks: true, backup: true }),
      );
      expect(got).toMatchObject({ path: link, created: false, mode: "0640", backup_path: `${real}.bak` });
      expect(readFileSync(real, "utf8")).toBe("through\n");
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe("real.txt");
      expect(readFileSync(`${real}.bak`, "utf8")).toBe("real\n");
      expect(leftovers()).toEqual([]);
    });

    it("reports permission denied where the SSH user may not write, and creates nothing", async () => {
      const text = expectToolError(await write({ vm_name: VM.alpha, path: "/etc/tlc-e2e-denied.conf", content: "x" }));
      expect(text).toContain("/etc/tlc-e2e-denied.conf: permission denied");
      expect(existsSync("/etc/tlc-e2e-denied.conf")).toBe(false);
      expect(readdirSync("/etc").filter((f) => f.includes("tlc-e2e-denied"))).toEqual([]);
    });

    it("refuses content above 1 MiB at the edge, and bad base64", async () => {
      const big = "x".repeat(MAX_WRITE_BYTES + 1);
      const file = path.join(env.scratch, "too-big.txt");
      expect(expectToolError(await write({ vm_name: VM.alpha, path: file, content: big }))).toContain(
        "content too large",
      );
      const b64 = Buffer.alloc(MAX_WRITE_BYTES + 3).toString("base64");
      expect(
        expectToolError(await write({ vm_name: VM.alpha, path: file, content: b64, encoding: "base64" })),
      ).toContain("content too large");
      expect(
        expectToolError(await write({ vm_name: VM.alpha, path: file, content: "not base64!", encoding: "base64" })),
      ).toContain("not valid base64");
      expect(await failureText(write({ vm_name: VM.alpha, path: file, content: "x", mode: "999" }))).toMatch(/mode/);
      expect(existsSync(file)).toBe(false);
    });

    it("reports a full disk as such and leaves nothing behind", async () => {
      const mount = path.join(env.scratch, "full");
      mkdirSync(mount);
      try {
        execFileSync("mount", [
          "-t",
          "tmpfs",
          "-o",
          `size=64k,uid=${env.uid},gid=${env.gid},mode=0755`,
          "tmpfs",
          mount,
        ]);
      } catch (error) {
        throw new Error(`the full-disk test mounts a 64 KiB tmpfs and needs root: ${(error as Error).message}`);
      }
      try {
        const content = Buffer.alloc(512 * 1024, 1).toString("base64");
        const file = path.join(mount, "fill.bin");
        const text = expectToolError(await write({ vm_name: VM.alpha, path: file, content, encoding: "base64" }));
        expect(text).toContain("write failed (disk full or quota?)");
        expect(readdirSync(mount)).toEqual([]);
      } finally {
        execFileSync("umount", [mount]);
      }
    });
  });
});
