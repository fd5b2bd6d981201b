/**
 * The status page end to end: /status.json for the admin (the real agent with its version,
 * the VMs probed by it, the down VM down, a job just run), the one denial for anyone else,
 * and the page in headless Chromium: sign-in form, tables, a live refresh without
 * navigation, the keyboard reaching "Sign out", readable contrast, and a screenshot.
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { DENIED_MESSAGE } from "@telecommande/shared";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { launchBrowser, screenshotPath } from "./harness/browser.js";
import { expectToolError, runCommand, runOk } from "./harness/expect-tool.js";
import { REPO_ROOT, sshdAvailable, VM } from "./harness/index.js";
import { useStack } from "./harness/use-stack.js";

interface StatusJson {
  agents: {
    name: string;
    connected: boolean;
    version: string | null;
    uptime_s: number | null;
    connected_s: number | null;
  }[];
  vms: { name: string; state: string; latency_ms: number | null; error: string | null }[];
  jobs: { running: unknown[]; recent: { summary: string; caller: string; vms: string[]; state: string }[] };
  errors: { source: string; kind: string; message: string }[];
  config: { source: string; age_s: number | null };
}

const AGENT_VERSION = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, "agent/package.json"), "utf8")) as { version: string }
).version;

/** WCAG contrast ratio of two `rgb(r, g, b)` colours. */
function contrast(a: string, b: string): number {
  const luminance = (rgb: string) => {
    const [r, g, bl] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * Text and background colours of the first element matching each selector (the background
 * of the nearest ancestor that has one). Page code is a string: the e2e project has no DOM types.
 */
function coloursOf(page: Page, selectors: string[]): Promise<[string, string, string][]> {
  return page.evaluate(`(() => {
    const opaque = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const bg = getComputedStyle(e).backgroundColor;
        if (bg !== "rgba(0, 0, 0, 0)" && bg !== "transparent") return bg;
      }
      return "rgb(255, 255, 255)";
    };
    return ${JSON.stringify(selectors)}.flatMap((s) => {
      const el = document.querySelector(s);
      return el ? [[s, getComputedStyle(el).color, opaque(el)]] : [];
    });
  })()`);
}

describe.skipIf(!sshdAvailable())("status page", () => {
  const env = useStack();
  const get = (route: string, key?: string) =>
    fetch(`${env.stack.edge.url}${route}`, { headers: key ? { Authorization: `Bearer ${key}` } : {} });

  it("serves the admin the agent, the VMs up and down, and a job just run", async () => {
    await runOk(env.admin, VM.alpha, "echo status-page-check");
    expectToolError(await runCommand(env.admin, VM.badHostKey, "true"));
    let data: StatusJson | undefined;
    // Probes answer within the hub's short wait on loopback; a slower one shows next time.
    for (let i = 0; i < 10 && (!data || data.vms.some((vm) => vm.state === "unknown")); i++) {
      const res = await get("/status.json", env.stack.keys.admin);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      data = (await res.json()) as StatusJson;
    }
    if (!data) throw new Error("no status");
    expect(data.agents).toMatchObject([{ name: "default", connected: true, version: AGENT_VERSION }]);
    // The agent process started before it connected: its uptime is at least the connection's age.
    const [agent] = data.agents;
    expect(agent?.connected_s).toBeGreaterThanOrEqual(0);
    expect(agent?.uptime_s).toBeGreaterThanOrEqual(agent?.connected_s ?? Number.NaN);
    const vm = (name: string) => data?.vms.find((v) => v.name === name);
    for (const name of [VM.alpha, VM.beta, VM.gamma]) {
      expect(vm(name)?.state, name).toBe("up");
      expect(vm(name)?.latency_ms, name).toBeGreaterThanOrEqual(0);
    }
    expect(vm(VM.down)).toMatchObject({ state: "down", latency_ms: null });
    expect(vm(VM.down)?.error).toBeTruthy();
    expect(data.jobs.recent).toContainEqual(
      expect.objectContaining({ summary: "echo (22 chars)", caller: "admin", vms: [VM.alpha], state: "succeeded" }),
    );
    expect(data.jobs.recent).toContainEqual(
      expect.objectContaining({ summary: "true (4 chars)", vms: [VM.badHostKey], state: "failed" }),
    );
    expect(data.errors).toContainEqual(
      expect.objectContaining({
        source: "default",
        kind: "job_failed",
        message: expect.stringContaining(VM.badHostKey),
      }),
    );
    expect(JSON.stringify(data)).not.toContain("status-page-check");
    expect(data.config.source).toBe("CONFIG_YAML secret");
  });

  it("refuses a non-admin's key with 403 and no key with 401, with the one message", async () => {
    const alice = await get("/status.json", env.stack.keys.alice);
    expect(alice.status).toBe(403);
    expect(await alice.json()).toEqual({ error: DENIED_MESSAGE });
    const nobody = await get("/status.json");
    expect(nobody.status).toBe(401);
    expect(await nobody.json()).toEqual({ error: DENIED_MESSAGE });
  });

  it("opens in Chromium: sign-in, tables, live refresh, keyboard, contrast, screenshot", async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
      const problems: string[] = [];
      // CSP refusals and script errors land here; the sign-in form's own 401 is expected.
      page.on("console", (m) => {
        if (m.type() === "error" && !m.text().includes("status of 401")) problems.push(m.text());
      });
      page.on("pageerror", (e) => problems.push(e.message));

      await page.goto(`${env.stack.edge.url}/status`);
      await page.screenshot({ path: screenshotPath("status-sign-in") });
      await page.getByLabel("API key").fill(env.stack.keys.admin);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${env.stack.edge.url}/status`);
      await page.getByText("Signed in as admin").waitFor();
      for (const name of ["Agents", "VMs", "Running jobs", "Recent jobs", "Recent errors"]) {
        expect(await page.getByRole("heading", { name, exact: true }).count(), name).toBe(1);
      }
      const vms = page.locator("#vms-body tr");
      expect(await vms.count()).toBe(5);
      expect(await page.locator("#vms-body tr", { hasText: VM.down }).textContent()).toContain("down");

      // A live refresh rewrites the "updated" line; the page itself is not reloaded.
      await page.evaluate("window.notReloaded = true");
      const before = await page.locator("#updated").textContent();
      await page.locator("#updated", { hasNotText: before ?? "" }).waitFor({ timeout: 15_000 });
      expect(await page.locator("#updated").textContent()).toMatch(/^Updated at \d\d:\d\d:\d\d UTC$/);
      expect(await page.evaluate("window.notReloaded")).toBe(true);

      // The keyboard reaches "Sign out", and its focus is visible.
      let focused = "";
      for (let i = 0; i < 5 && focused !== "Sign out"; i++) {
        await page.keyboard.press("Tab");
        focused = await page.evaluate<string>(`document.activeElement?.textContent ?? ""`);
      }
      expect(focused).toBe("Sign out");
      const outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle");
      expect(outline).toBe("solid");

      const selectors = ["body", "caption", "header output", "thead th", ".badge.good", ".badge.bad", "button"];
      for (const [selector, fg, bg] of await coloursOf(page, selectors)) {
        expect(contrast(fg, bg), `${selector}: ${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
      }

      const shot = screenshotPath("status-page");
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(20_000);
      expect(problems).toEqual([]);

      // Sign out: back to the form, and the session is gone.
      await page.keyboard.press("Enter");
      await page.getByLabel("API key").waitFor();
      expect(await page.context().cookies()).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
