/**
 * @module Debian's Chromium, headless, driven by playwright-core (no browser download):
 * for the pages a person opens (OAuth consent, the status page). Screenshots go to
 * `e2e/screenshots/` (gitignored) so a failed run leaves them to look at.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { REPO_ROOT } from "./edge.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOT_DIR = path.join(REPO_ROOT, "e2e/screenshots");

/**
 * Flags for a closed network: without the background-networking ones Chromium keeps dialing
 * Google's hosts. Loopback is the only place the tests browse.
 */
const FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
  "--metrics-recording-only",
  "--no-default-browser-check",
];

/** Launches Chromium; a missing binary is a clear error (CI installs the `chromium` package). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/** The path for a named screenshot, its folder created. */
export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return path.join(SCREENSHOT_DIR, `${name}.png`);
}
