/**
 * Test projects: `unit` (Node: shared + agent), `edge` (inside workerd), `e2e` (real sshd,
 * real wrangler dev, real agent). `npm test` runs all three.
 */
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    reporters: ["default", "./e2e/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["shared/src/**/*.test.ts", "agent/src/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
          }),
        ],
        test: {
          name: "edge",
          include: ["edge/src/**/*.test.ts"],
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
