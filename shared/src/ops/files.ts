/**
 * @module Remote files over SFTP: the jobs (read, write, copy between two VMs of one agent)
 * and their results. Paths go to SFTP as data, never through a shell.
 */
import { z } from "zod";
import { hasControlCharacter } from "./text.js";

/** Default and largest slice one ssh_read_file returns (page on with `offset`). */
export const DEFAULT_READ_BYTES = 65_536;
export const MAX_READ_BYTES = 524_288;
/** Largest content one ssh_write_file takes, in bytes once decoded. */
export const MAX_WRITE_BYTES = 1_048_576;
/** Largest file ssh_copy_file streams between two VMs. */
export const MAX_COPY_BYTES = 10 * 1024 * 1024 * 1024;

/** A remote path: absolute or relative to the SSH user's home, one line, no `..` segment. */
export const RemotePathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !hasControlCharacter(p), "the path must not contain control characters (newline, tab, escape)")
  .refine((p) => !p.split("/").includes(".."), "the path must not contain '..'; give the real path");

/** Unix permission bits in octal, as `0644` or `755`. */
export const FileModeSchema = z.string().regex(/^0?[0-7]{3,4}$/, "mode is octal, as 0644 or 0755");

export const FileReadResultSchema = z.object({
  kind: z.literal("file_read"),
  path: z.string(),
  /** The whole file's size in bytes. */
  size: z.number().int(),
  offset: z.number().int(),
  bytes_read: z.number().int(),
  /** `base64` when the slice is not valid UTF-8 text (or holds NUL bytes). */
  encoding: z.enum(["utf8", "base64"]),
  binary: z.boolean(),
  content: z.string(),
  /** The slice reaches the end of the file. */
  eof: z.boolean(),
});

export const FileWriteResultSchema = z.object({
  kind: z.literal("file_write"),
  path: z.string(),
  bytes_written: z.number().int(),
  /** The file did not exist before. */
  created: z.boolean(),
  /** Where the old file was kept (`path.bak`), when a backup was asked and there was one. */
  backup_path: z.string().nullable(),
  mode: z.string(),
});

export const FileCopyResultSchema = z.object({
  kind: z.literal("file_copy"),
  from_vm: z.string(),
  from_path: z.string(),
  to_vm: z.string(),
  to_path: z.string(),
  bytes: z.number().int(),
  duration_ms: z.number(),
});

export type FileReadResult = z.infer<typeof FileReadResultSchema>;
export type FileWriteResult = z.infer<typeof FileWriteResultSchema>;
export type FileCopyResult = z.infer<typeof FileCopyResultSchema>;
