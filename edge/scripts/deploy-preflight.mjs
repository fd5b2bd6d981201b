#!/usr/bin/env node
/**
 * Runs before `wrangler deploy` (npm run deploy): catches what would otherwise fail late or
 * deploy something half-working, and says how to fix it. Today: the OAuth KV namespace still
 * has the placeholder id that only `wrangler dev` can simulate.
 *
 *   node edge/scripts/deploy-preflight.mjs [path/to/wrangler.toml]
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const PLACEHOLDER = /^0+$/;
const file = process.argv[2] ?? path.resolve(import.meta.dirname, "../../wrangler.toml");

/** The [[kv_namespaces]] blocks of a wrangler.toml, as binding → id. */
function kvNamespaces(toml) {
  const found = new Map();
  for (const block of toml.split(/^\s*\[\[kv_namespaces\]\]\s*$/m).slice(1)) {
    const body = block.split(/^\s*\[/m)[0] ?? "";
    const binding = /^\s*binding\s*=\s*"([^"]*)"/m.exec(body)?.[1];
    const id = /^\s*id\s*=\s*"([^"]*)"/m.exec(body)?.[1];
    if (binding) found.set(binding, id ?? "");
  }
  return found;
}

let toml;
try {
  toml = readFileSync(file, "utf8");
} catch (err) {
  console.error(`deploy: cannot read ${file}: ${err.message}`);
  process.exit(1);
}
const problems = [];
const oauthKv = kvNamespaces(toml).get("OAUTH_KV");
if (oauthKv !== undefined && (oauthKv === "" || PLACEHOLDER.test(oauthKv))) {
  problems.push(
    `the OAUTH_KV namespace in ${path.basename(file)} still has the placeholder id "${oauthKv}".\n` +
      "  Create it once:  npx wrangler kv namespace create OAUTH_KV\n" +
      '  then put the id it prints in wrangler.toml ([[kv_namespaces]] binding = "OAUTH_KV", id = "…").\n' +
      "  (Or, to deploy without OAuth, remove that [[kv_namespaces]] block: static API keys keep working.)",
  );
}
if (problems.length) {
  for (const problem of problems) console.error(`deploy: ${problem}`);
  process.exit(1);
}
console.log("deploy: preflight ok");
