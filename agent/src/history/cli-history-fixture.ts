import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeEach } from "vitest";
import { runHistoryCli } from "./cli-history.js";
import type { OperationRecord } from "./record.js";
import { SqliteHistoryStore } from "./sqlite-store.js";
import { vocabularyAnalyzer } from "./vocabulary.js";

export const BIN = fileURLToPath(new URL("../../bin/agent.mjs", import.meta.url));
export const root = mkdtempSync(join(tmpdir(), "tc-history-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let n = 0;
export let dir: string;
export let config: string;
beforeEach(() => {
  dir = join(root, `case-${++n}`);
  mkdirSync(dir);
  config = join(dir, "config.yaml");
  writeFileSync(
    config,
    `vms:
- {name: web1, host: 10.0.0.1, user: deploy}
- {name: web2, host: 10.0.0.1, user: deploy}
- {name: db1, host: db.internal, user: root}
- {name: far, host: 10.9.9.9, user: x, agent: dc2}
agents: [{name: dc2, token_sha256: "${"b".repeat(64)}"}]
`,
  );
});

export async function history(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  const stdout = new Sink();
  const stderr = new Sink();
  const stdin = Readable.from([options.stdin ?? ""]);
  const code = await runHistoryCli(args, { stdin, stdout, stderr, env: { ...options.env } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export const dataDir = (name = "data") => join(dir, name);
export const jsonl = (lines: object[]) => `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`;
export function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
export const importing = (path: string, data = dataDir()) =>
  history(["import", "--config", config, "--data-dir", data, path], {
    env: { TELECOMMANDE_HISTORY_MAX_AGE_DAYS: "0" },
  });

export async function records(data = dataDir()): Promise<OperationRecord[]> {
  const store = SqliteHistoryStore.open(join(data, "history.sqlite"), vocabularyAnalyzer);
  const out: OperationRecord[] = [];
  for await (const r of store.export()) out.push(r);
  await store.close();
  return out;
}
