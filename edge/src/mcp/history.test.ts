import { describe, expect, it } from "vitest";
import { mergeStats, mergeSuggestions } from "./history.js";

describe("merging history answers of several agents", () => {
  it("adds statistics up and keeps the top hosts, commands and newest errors", () => {
    const error = (host: string, timestamp: number) => ({ host, command: "false", error: "exit code 1", timestamp });
    const merged = mergeStats([
      {
        commands_executed: 5,
        successful_commands: 4,
        failed_commands: 1,
        most_used_hosts: [{ host: "a", count: 5 }],
        most_common_commands: [
          { command: "uptime", count: 3 },
          { command: "df -h", count: 2 },
        ],
        recent_errors: [error("a", 10)],
      },
      {
        commands_executed: 7,
        successful_commands: 5,
        failed_commands: 2,
        most_used_hosts: [{ host: "b", count: 7 }],
        most_common_commands: [{ command: "df -h", count: 4 }],
        recent_errors: [error("b", 30), error("b", 20)],
      },
    ]);
    expect(merged).toEqual({
      commands_executed: 12,
      successful_commands: 9,
      failed_commands: 3,
      most_used_hosts: [
        { host: "b", count: 7 },
        { host: "a", count: 5 },
      ],
      most_common_commands: [
        { command: "df -h", count: 6 },
        { command: "uptime", count: 3 },
      ],
      recent_errors: [error("b", 30), error("b", 20), error("a", 10)],
    });
  });

  it("keeps one suggestion per command: best score, latest use and its host, runs added up", () => {
    const s = (host: string, score: number, last: number, runs: number, successes: number) => ({
      command: "df -h",
      relevance_score: score,
      host,
      last_used: last,
      runs,
      successes,
    });
    const merged = mergeSuggestions([[s("a", 1, 50, 2, 2)], [s("b", 3, 40, 2, 1)]], 5);
    expect(merged).toEqual([s("a", 3, 50, 4, 3)]);
  });
});
