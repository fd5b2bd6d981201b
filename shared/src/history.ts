/**
 * @module History queries between the edge and an agent: the `history` job (search,
 * statistics, suggestions over the operations the agent recorded, limited to the VMs the
 * caller may use) and its answers, which the edge merges across agents.
 */
import { z } from "zod";

/** Characters of stdout and stderr a search hit carries, each: keeps an answer far below frame limits. */
export const HISTORY_HIT_OUTPUT_CHARS = 3_000;
export const MAX_HISTORY_LIMIT = 50;

export const CollectionSchema = z.enum(["commands", "stdout", "stderr"]);

const filterFields = {
  /** The caller's permitted VMs that this agent serves: nothing else is ever looked at. */
  vms: z.array(z.string().min(1)).max(10_000),
  host: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  /** Epoch seconds. */
  since: z.number().optional(),
};

export const HistoryQuerySchema = z.discriminatedUnion("op", [
  z.object({
    op: z.literal("search"),
    text: z.string().min(1).max(2_000),
    collection: CollectionSchema.optional(),
    limit: z.number().int().min(1).max(MAX_HISTORY_LIMIT),
    ...filterFields,
  }),
  z.object({ op: z.literal("stats"), ...filterFields }),
  z.object({
    op: z.literal("suggest"),
    context: z.string().min(1).max(2_000),
    limit: z.number().int().min(1).max(MAX_HISTORY_LIMIT),
    ...filterFields,
  }),
]);

export const HistoryHitSchema = z.object({
  relevance_score: z.number(),
  vm: z.string(),
  host: z.string(),
  user: z.string(),
  command: z.string(),
  job_id: z.string(),
  /** Epoch seconds, fractional. */
  timestamp: z.number(),
  stdout: z.string(),
  stderr: z.string(),
  return_code: z.number().int().nullable(),
});

export const HistoryStatsSchema = z.object({
  commands_executed: z.number().int(),
  successful_commands: z.number().int(),
  failed_commands: z.number().int(),
  most_used_hosts: z.array(z.object({ host: z.string(), count: z.number().int() })),
  most_common_commands: z.array(z.object({ command: z.string(), count: z.number().int() })),
  recent_errors: z.array(z.object({ host: z.string(), command: z.string(), error: z.string(), timestamp: z.number() })),
});

export const HistorySuggestionSchema = z.object({
  command: z.string(),
  relevance_score: z.number(),
  host: z.string(),
  last_used: z.number(),
  /** Runs and successful runs in the filter, so answers of several agents merge exactly. */
  runs: z.number().int(),
  successes: z.number().int(),
});

export const HistoryResultSchema = z.object({
  kind: z.literal("history"),
  answer: z.discriminatedUnion("op", [
    z.object({ op: z.literal("search"), hits: z.array(HistoryHitSchema) }),
    z.object({ op: z.literal("stats"), stats: HistoryStatsSchema }),
    z.object({ op: z.literal("suggest"), suggestions: z.array(HistorySuggestionSchema) }),
  ]),
});

export type HistoryQuery = z.infer<typeof HistoryQuerySchema>;
export type HistoryHit = z.infer<typeof HistoryHitSchema>;
export type HistoryStats = z.infer<typeof HistoryStatsSchema>;
export type HistorySuggestion = z.infer<typeof HistorySuggestionSchema>;
export type HistoryResult = z.infer<typeof HistoryResultSchema>;
export type HistoryAnswer = HistoryResult["answer"];
