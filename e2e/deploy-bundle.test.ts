/**
 * `wrangler deploy --dry-run`: the Worker bundles for deployment with every binding it needs
 * (both Durable Objects, the rate limiter), within Workers' script size limit, without
 * uploading anything or touching the network. Prints the bundle size.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { wranglerEnv } from "../agent/src/dev/edge-config.js";

const REPO = path.resolve(import.meta.dirname, "..");
const WRANGLER = path.join(REPO, "node_modules/.bin/wrangler");
/** Workers' compressed script limit on the free plan, KiB. */
const FREE_PLAN_GZIP_KIB = 3 * 1024;

describe("deploy bundle", () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "tlc-bundle-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("builds with every binding, under the free plan's size limit", { timeout: 120_000 }, () => {
    const run = spawnSync(WRANGLER, ["deploy", "--dry-run", "--outdir", out], {
      cwd: REPO,
      env: { ...wranglerEnv(process.env), CLOUDFLARE_API_TOKEN: "", CLOUDFLARE_ACCOUNT_ID: "" },
      encoding: "utf8",
      timeout: 110_000,
    });
    const text = `${run.stdout}\n${run.stderr}`;
    expect(run.status, text.slice(-2000)).toBe(0);
    const size = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(text);
    expect(size, text.slice(-2000)).not.toBeNull();
    const [total, gzip] = [Number(size?.[1]), Number(size?.[2])];
    console.log(
      `deploy bundle: ${total.toFixed(0)} KiB, ${gzip.toFixed(0)} KiB gzipped (free plan limit ${FREE_PLAN_GZIP_KIB} KiB)`,
    );
    expect(gzip).toBeLessThan(FREE_PLAN_GZIP_KIB);
    for (const binding of [
      "env.AGENT_HUB (AgentHub)",
      "env.CONFIRM_NONCES (ConfirmNonces)",
      "env.CALLS_PER_KEY",
      "env.SIGN_INS",
      "env.OAUTH_KV",
    ]) {
      expect(text).toContain(binding);
    }
    expect(text).toContain("--dry-run: exiting now.");
  });

  const PREFLIGHT = path.join(REPO, "edge/scripts/deploy-preflight.mjs");
  const preflight = (...args: string[]) =>
    spawnSync(process.execPath, [PREFLIGHT, ...args], { cwd: REPO, encoding: "utf8", timeout: 20_000 });

  it("npm run deploy stops before wrangler while OAUTH_KV has its placeholder id, and says how to fix it", () => {
    const run = preflight();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the OAUTH_KV namespace in wrangler.toml still has the placeholder id "000');
    expect(run.stderr).toContain("npx wrangler kv namespace create OAUTH_KV");
  });

  it("passes a wrangler.toml with a real namespace id, and one without OAuth", () => {
    const repoToml = readFileSync(path.join(REPO, "wrangler.toml"), "utf8");
    const withId = path.join(out, "with-id.toml");
    writeFileSync(withId, repoToml.replace(/id = "0+"/, 'id = "0f2ac74b498b48028cb68387df0f5d2e"'));
    expect(preflight(withId).status).toBe(0);
    const withoutOauth = path.join(out, "without-oauth.toml");
    writeFileSync(withoutOauth, repoToml.replace(/\[\[kv_namespaces\]\][^[]*/, ""));
    const run = preflight(withoutOauth);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});
