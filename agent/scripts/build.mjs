#!/usr/bin/env node
/**
 * Builds the agent into one ES module, `agent/dist/telecommande-agent.mjs`, that plain Node 20
 * runs with no TypeScript loader: our code (agent and shared) is bundled; the npm
 * dependencies (native better-sqlite3 and sqlite-vec among them) stay in node_modules.
 *
 *   npm run build:agent
 */
import { chmodSync, copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const agentDir = fileURLToPath(new URL("..", import.meta.url));
const dist = `${agentDir}dist`;
const depsOf = (dir) => Object.keys(JSON.parse(readFileSync(`${dir}package.json`, "utf8")).dependencies ?? {});
// Our workspace package is TypeScript source: bundle it. Every npm dependency, ours and its,
// stays installed (several are CommonJS or native, which an ES bundle cannot inline).
const shared = `${agentDir}../shared/`;
const external = [...depsOf(agentDir), ...depsOf(shared)].filter((name) => name !== "@telecommande/shared");

mkdirSync(dist, { recursive: true });
const result = await build({
  entryPoints: [`${agentDir}src/main.ts`],
  outfile: `${dist}/telecommande-agent.mjs`,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external,
  sourcemap: true,
  legalComments: "none",
  banner: { js: "#!/usr/bin/env node" },
  metafile: true,
  logLevel: "warning",
});
// Read at run time next to the code that reads it (new URL("./vocabulary.json", import.meta.url)).
copyFileSync(`${agentDir}src/history/vocabulary.json`, `${dist}/vocabulary.json`);
chmodSync(`${dist}/telecommande-agent.mjs`, 0o755);
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`agent/dist/telecommande-agent.mjs: ${(bytes / 1024).toFixed(0)} KiB (with its source map)`);
