/**
 * @module `telecommande-agent history <import|export|stats|reindex>`: the embedded history
 * from the command line, with the daemon's `--data-dir` (and `--config`, `--name` for
 * import) and their environment variables. Each command returns its exit code: 0 done, 1
 * bad input (an unreadable file, skipped lines, no history yet), 2 wrong usage. Problems
 * are one line on stderr, never a stack trace.
 */
import { createReadStream, createWriteStream, existsSync, openSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { ConfigError, parseConfig } from "@telecommande/shared";
import { dataDirOf, expandHome, historyLimitsOf } from "../cli.js";
import { exportJsonl, parseSince, writeText } from "./cli-export.js";
import { importJsonl } from "./cli-import.js";
import { reindexReport, statsReport } from "./cli-stats.js";
import { HISTORY_USAGE, USAGES } from "./cli-usage.js";
import type { Embedder } from "./embedder.js";
import { MistralEmbedder } from "./mistral-embedder.js";
import { HISTORY_FILE_NAME } from "./sqlite-schema.js";
import { SqliteHistoryStore } from "./sqlite-store.js";
import { vocabularyAnalyzer } from "./vocabulary.js";

type Command = keyof typeof USAGES;

type Options = NonNullable<ParseArgsConfig["options"]>;

const OPTIONS: Record<Command, Options> = {
  import: { config: { type: "string" }, name: { type: "string" } },
  export: { since: { type: "string" }, output: { type: "string", short: "o" } },
  stats: { json: { type: "boolean" } },
  reindex: {},
};

export interface HistoryIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

/** A problem to report and the exit code it ends with. */
class CliFailure extends Error {
  constructor(
    message: string,
    readonly code: 1 | 2,
  ) {
    super(message);
  }
}

const isCommand = (name: string | undefined): name is Command => name !== undefined && Object.hasOwn(USAGES, name);

export async function runHistoryCli(argv: string[], io: HistoryIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "-h" || name === "--help" || name === "help") {
    io.stdout.write(HISTORY_USAGE);
    return 0;
  }
  const prefix = `telecommande-agent history${isCommand(name) ? ` ${name}` : ""}`;
  try {
    if (!name || name.startsWith("-")) {
      throw new CliFailure("a command is needed first: import, export, stats or reindex (see --help)", 2);
    }
    if (!isCommand(name)) throw new CliFailure(`unknown command "${name}" (see --help)`, 2);
    let parsed: { values: Run["values"]; positionals: string[] };
    try {
      parsed = parseArgs({
        args: rest,
        strict: true,
        allowPositionals: name === "import",
        options: { ...OPTIONS[name], "data-dir": { type: "string" }, help: { type: "boolean", short: "h" } },
      });
    } catch (err) {
      throw new CliFailure(`${(err as Error).message.split("\n")[0]} (see --help)`, 2);
    }
    if (parsed.values.help) {
      io.stdout.write(USAGES[name]);
      return 0;
    }
    const file = join(dataDirOf(parsed.values["data-dir"], io.env), HISTORY_FILE_NAME);
    const run = { import: runImport, export: runExport, stats: runStats, reindex: runReindex }[name];
    return await run({ ...parsed, file, io });
  } catch (err) {
    if (err instanceof CliFailure) {
      io.stderr.write(`${prefix}: ${err.message}\n`);
      return err.code;
    }
    // SQLite and file errors carry a readable message; their stack is of no use to whoever runs this.
    const code = (err as NodeJS.ErrnoException).code;
    io.stderr.write(`${prefix}: ${(err as Error).message ?? String(err)}${code ? ` (${code})` : ""}\n`);
    return 1;
  }
}

interface Run {
  /** No option is given more than once (none is `multiple`). */
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** The history file in the data dir. */
  file: string;
  io: HistoryIo;
}

const str = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : undefined);

/** Opens the history file; unless `create`, it must exist already (a wrong --data-dir must not make an empty one). */
function openStore(
  file: string,
  options: { create?: boolean; forReindex?: boolean; embedder?: Embedder } = {},
): SqliteHistoryStore {
  if (!options.create && !existsSync(file)) {
    throw new CliFailure(`no history at ${file} (the agent creates it when it starts; see --data-dir)`, 1);
  }
  try {
    const { forReindex, embedder } = options;
    return SqliteHistoryStore.open(file, vocabularyAnalyzer, { forReindex, ...(embedder ? { embedder } : {}) });
  } catch (err) {
    throw new CliFailure((err as Error).message, 1);
  }
}

async function runImport({ values, positionals, file, io }: Run): Promise<number> {
  const [source, ...extra] = positionals;
  if (!source) throw new CliFailure("the file to import is needed (see --help)", 2);
  if (extra.length) throw new CliFailure(`one file at a time, got ${positionals.length} (see --help)`, 2);
  const configPath = expandHome(str(values.config) ?? str(io.env.CONFIG) ?? "./config.yaml");
  const agent = str(values.name) ?? str(io.env.AGENT_NAME) ?? "default";
  let text: string;
  try {
    text = readFileSync(configPath, "utf8");
  } catch (err) {
    throw new CliFailure(`cannot read config file ${configPath} (${(err as NodeJS.ErrnoException).code})`, 1);
  }
  let vms: ReturnType<typeof parseConfig>["vms"];
  try {
    vms = parseConfig(text, configPath).vms;
  } catch (err) {
    if (err instanceof ConfigError) throw new CliFailure(err.message, 1);
    throw err;
  }
  let input: Readable;
  if (source === "-") input = io.stdin;
  else {
    try {
      if (statSync(source).isDirectory()) throw new CliFailure(`${source} is a directory`, 1);
      input = createReadStream(source);
    } catch (err) {
      if (err instanceof CliFailure) throw err;
      throw new CliFailure(`cannot read ${source} (${(err as NodeJS.ErrnoException).code})`, 1);
    }
  }
  const limits = historyLimitsOf({}, io.env);
  const store = openStore(file, { create: true });
  try {
    const note = (line: string) => io.stderr.write(`telecommande-agent history import: ${line}\n`);
    const summary = await importJsonl({
      add: (records) => store.add(records),
      input,
      vms,
      agent,
      note,
      maxAgeS: typeof limits === "string" ? 0 : limits.maxAgeDays * 86_400,
    });
    const skipped = Object.entries(summary.skippedBy).map(([kind, n]) => `${n} ${kind}`);
    io.stdout.write(
      `${summary.lines} lines: ${summary.imported} imported, ${summary.duplicates} already in the history, ` +
        `${summary.skipped} skipped${skipped.length ? ` (${skipped.join(", ")})` : ""}; into ${file}\n`,
    );
    if (typeof limits !== "string") {
      if (summary.older) {
        note(
          `${summary.older} of these records are older than ${limits.maxAgeDays} days: the agent removes them when it ` +
            "next prunes (at start, then hourly) unless run with a larger --history-max-age-days",
        );
      }
      const total = await store.count();
      if (limits.maxRecords && total > limits.maxRecords) {
        note(
          `the history holds ${total} records, more than ${limits.maxRecords}: the agent removes the oldest when it ` +
            "next prunes unless run with a larger --history-max-records",
        );
      }
    }
    return summary.skipped ? 1 : 0;
  } finally {
    await store.close();
  }
}

async function runExport({ values, file, io }: Run): Promise<number> {
  const sinceText = str(values.since);
  const since = sinceText === undefined ? undefined : parseSince(sinceText, Date.now() / 1000);
  if (typeof since === "string") throw new CliFailure(since, 2);
  const store = openStore(file, { forReindex: true });
  try {
    const path = str(values.output);
    if (!path) {
      try {
        await exportJsonl(store.export(since), io.stdout);
      } catch (err) {
        // The reader went away (`| head`): what it wanted was written.
        if ((err as NodeJS.ErrnoException).code === "EPIPE") return 0;
        throw err;
      }
      return 0;
    }
    let fd: number;
    try {
      fd = openSync(path, "w", 0o600);
    } catch (err) {
      throw new CliFailure(`cannot write ${path} (${(err as NodeJS.ErrnoException).code})`, 1);
    }
    const out = createWriteStream(path, { fd });
    const n = await exportJsonl(store.export(since), out);
    out.end();
    await finished(out);
    io.stderr.write(`telecommande-agent history export: ${n} records written to ${path}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

async function runStats({ values, file, io }: Run): Promise<number> {
  const store = openStore(file, { forReindex: true });
  try {
    await writeText(io.stdout, await statsReport(store, { json: values.json === true }));
    return 0;
  } finally {
    await store.close();
  }
}

async function runReindex({ file, io }: Run): Promise<number> {
  // With MISTRAL_API_KEY, the vectors are made again too (the agent's embedder).
  const embedder = MistralEmbedder.fromEnv(io.env) ?? undefined;
  const store = openStore(file, { forReindex: true, ...(embedder ? { embedder } : {}) });
  try {
    await writeText(io.stdout, await reindexReport(store));
    return 0;
  } finally {
    await store.close();
  }
}
