/**
 * Test projects: `unit` (Node: shared, agent, and the benches' checks of their data),
 * `edge` (inside workerd), `e2e` (real sshd, real wrangler dev, real agent). `npm test`
 * runs all three.
 */
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { AGENT_TOKEN, TEST_CONFIG } from "./edge/test/config.js";

export default defineConfig({
  test: {
    reporters: ["default", "./e2e/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["shared/src/**/*.test.ts", "agent/src/**/*.test.ts", "bench/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            // A small hub memory bound, so the test of that bound stays quick.
            miniflare: { bindings: { CONFIG_YAML: TEST_CONFIG, AGENT_TOKEN, HUB_MAX_ANSWER_BYTES: "1048576" } },
          }),
        ],
        test: {
          name: "edge",
          include: ["edge/src/**/*.test.ts", "edge/test/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          include: ["e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
