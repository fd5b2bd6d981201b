/**
 * The status page's markup and headers: the style and script it carries are exactly those its
 * Content-Security-Policy allows by hash (HTML escaping left them unchanged), tables have
 * captions and header cells, and the page is never cached or framed.
 */
import { describe, expect, it } from "vitest";
import { SCRIPT, STYLE } from "../src/status/assets.js";
import { signIn, statusFetch } from "./status-fixtures.js";

async function sha256Base64(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...digest));
}

const between = (html: string, open: string, close: string) =>
  html.slice(html.indexOf(open) + open.length, html.indexOf(close, html.indexOf(open)));

describe("status page markup", () => {
  it("carries only the style and script its CSP allows, unescaped", async () => {
    for (const text of [SCRIPT, STYLE]) expect(text).not.toMatch(/[&<>"']/);
    const cookie = await signIn();
    const res = await statusFetch("/status", { headers: { Cookie: cookie } });
    const html = await res.text();
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(between(html, "<script>", "</script>")).toBe(SCRIPT);
    expect(between(html, "<style>", "</style>")).toBe(STYLE);
    expect(csp).toContain(`script-src 'sha256-${await sha256Base64(SCRIPT)}'`);
    expect(csp).toContain(`style-src 'sha256-${await sha256Base64(STYLE)}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it("is semantic: header, main, sections with captioned tables and scoped headers, a live region", async () => {
    const html = await (await statusFetch("/status", { headers: { Cookie: await signIn() } })).text();
    expect(html.startsWith('<!doctype html><html lang="en">')).toBe(true);
    for (const part of ["<header>", "<main>", '<th scope="col">Agent</th>', '<th scope="row">', "<caption>"]) {
      expect(html).toContain(part);
    }
    expect(html.match(/<section aria-labelledby=/g)).toHaveLength(5);
    expect(html.match(/<caption>/g)).toHaveLength(5);
    expect(html).toContain('<output id="updated" aria-live="polite">Updated at ');
    expect(html).toContain('<noscript><meta http-equiv="refresh" content="30"/></noscript>');
    expect(html).toContain(
      '<form method="post" action="/status/logout"><button type="submit">Sign out</button></form>',
    );
  });
});
