/**
 * @module The original's three history tools, with its parameters and result fields
 * (`vm` and `user` added to search results). Every answer covers only the VMs the caller
 * may use.
 */
import { z } from "zod";
import { CollectionSchema, HistoryStatsSchema, MAX_HISTORY_LIMIT } from "../history.js";
import { defineTool, type ToolOutput } from "./define.js";

/** Set when some agents could not answer: whose VMs' history is missing, and why. */
const warnings = z.array(z.string()).optional();

const optionalText = (what: string) => z.string().min(1).nullable().optional().describe(what);
const hours = z
  .number()
  .int()
  .min(1)
  .max(24 * 365)
  .nullable()
  .optional();

export const SearchLogsInput = {
  query: z.string().min(1).max(2_000).describe('What to look for, in plain words (e.g. "oom killer", "disque plein")'),
  collection: CollectionSchema.optional().describe(
    "Search only the commands, the stdout or the stderr (omitted: all three, one result per operation)",
  ),
  host_filter: optionalText("Only operations on this host (a VM's host or name)"),
  user_filter: optionalText("Only operations run as this SSH user"),
  time_hours: hours.describe("Only the last N hours"),
  limit: z.number().int().min(1).max(MAX_HISTORY_LIMIT).optional().describe("Most results (default 10)"),
};

export const SearchLogsOutput = {
  query: z.string(),
  total_found: z.number().int(),
  results: z.array(
    z.object({
      relevance_score: z.number(),
      host: z.string(),
      command: z.string(),
      job_id: z.string(),
      /** Epoch seconds, fractional. */
      timestamp: z.number(),
      formatted_time: z.string(),
      stdout: z.string(),
      stderr: z.string(),
      return_code: z.number().int().nullable(),
      vm: z.string(),
      user: z.string(),
    }),
  ),
  warnings,
};

export const searchLogsTool = defineTool({
  name: "ssh_search_logs",
  title: "Search command history",
  description:
    "Search everything that was run on your VMs (commands, their output and errors) in plain English or French: 'which box ran out of memory', 'quels serveurs ont un disque plein', 'failed apt-get'. Without `collection` it looks at commands, stdout and stderr together and returns one result per operation, best first; `collection` restricts it to one of them. Filter by `host_filter`, `user_filter` and `time_hours`. Output in results is cut to a few thousand characters per stream.",
  input: SearchLogsInput,
  output: SearchLogsOutput,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  job: "history",
});

export const GetStatisticsInput = {
  time_hours: hours.describe("Look back N hours (default 24)"),
  user_filter: optionalText("Only operations run as this SSH user"),
  host_filter: optionalText("Only operations on this host (a VM's host or name)"),
};

export const GetStatisticsOutput = {
  time_period_hours: z.number().int(),
  ...HistoryStatsSchema.shape,
  warnings,
};

export const getStatisticsTool = defineTool({
  name: "ssh_get_statistics",
  title: "Command history statistics",
  description:
    "Counts over the command history of your VMs: commands run, succeeded (exit 0) and failed, the busiest hosts, the most common commands and the latest errors. Default window 24 h (`time_hours`).",
  input: GetStatisticsInput,
  output: GetStatisticsOutput,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  job: "history",
});

export const SuggestCommandsInput = {
  context: z.string().min(1).max(2_000).describe('What you want to do, e.g. "check disk space"'),
  host: optionalText("Prefer commands run on this host (a VM's host or name)"),
  limit: z.number().int().min(1).max(MAX_HISTORY_LIMIT).optional().describe("Most suggestions (default 5)"),
};

export const SuggestCommandsOutput = {
  context: z.string(),
  host: z.string().nullable(),
  total_suggestions: z.number().int(),
  suggestions: z.array(
    z.object({
      command: z.string(),
      relevance_score: z.number(),
      host: z.string(),
      /** Epoch seconds of its latest run. */
      last_used: z.number(),
      /** Share of its runs that exited 0, 0 to 1. */
      success_rate: z.number(),
    }),
  ),
  warnings,
};

export const suggestCommandsTool = defineTool({
  name: "ssh_suggest_commands",
  title: "Suggest commands",
  description:
    "Commands that worked before for a goal, from the history of your VMs: only runs that exited 0, one suggestion per command, with its last use and success rate. E.g. 'check disk space', 'redémarrer nginx'.",
  input: SuggestCommandsInput,
  output: SuggestCommandsOutput,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  job: "history",
});

export type SearchLogs = ToolOutput<typeof searchLogsTool>;
export type GetStatistics = ToolOutput<typeof getStatisticsTool>;
export type SuggestCommands = ToolOutput<typeof suggestCommandsTool>;
