import { ERROR_CODES } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { JobError } from "../errors.js";
import type { SftpSession } from "../ssh/sftp.js";
import { reasonOf, toFileError } from "./errors.js";

const status = (code: number, message = "Failure") => Object.assign(new Error(message), { code });
const session = (lost: boolean) => ({ label: "vm1 (10.0.0.5:22)", connectionLost: () => lost }) as SftpSession;

describe("SFTP errors as file errors", () => {
  it("names each SFTP status plainly", () => {
    expect(reasonOf(status(2), "read")).toBe("no such file or directory");
    expect(reasonOf(status(3), "write")).toBe("permission denied");
    expect(reasonOf(status(4), "write")).toBe("write failed (disk full or quota?)");
    expect(reasonOf(status(4, "Is a directory"), "other")).toBe("failed (Is a directory)");
    expect(reasonOf(status(5), "other")).toMatch(/name too long/);
    expect(reasonOf(status(8), "other")).toBe("operation not supported by the server");
  });

  it("makes a file_error naming the path", () => {
    const err = toFileError(status(2), "/etc/nope", "other", session(false));
    expect(err).toBeInstanceOf(JobError);
    expect(err.code).toBe(ERROR_CODES.file);
    expect(err.message).toBe("/etc/nope: no such file or directory");
  });

  it("reports a lost connection as ssh_connect", () => {
    const err = toFileError(new Error("No response from server"), "/x", "write", session(true));
    expect(err.code).toBe(ERROR_CODES.sshConnect);
    expect(err.message).toContain("lost the SSH connection to vm1");
  });

  it("keeps the job's abort reason and JobErrors as they are", () => {
    const reason = new JobError(ERROR_CODES.cancelled, "job j1 was cancelled");
    const controller = new AbortController();
    controller.abort(reason);
    expect(toFileError(new Error("aborted"), "/x", "write", session(false), controller.signal)).toBe(reason);
    const mine = new JobError(ERROR_CODES.invalidInput, "too large");
    expect(toFileError(mine, "/x", "write")).toBe(mine);
  });

  it("wraps a non-SFTP failure with the VM", () => {
    const err = toFileError(new Error("Channel is not open"), "/x", "other", session(false));
    expect(err.code).toBe(ERROR_CODES.file);
    expect(err.message).toBe("/x: SFTP failed on vm1 (10.0.0.5:22): Channel is not open");
  });
});
