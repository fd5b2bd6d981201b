/**
 * Who may see the status page: admins by API key or by a signed session cookie; everyone
 * else gets the one denial, 401 without valid credentials and 403 for a non-admin.
 */
import { DENIED_MESSAGE } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { loadEdgeConfig } from "../src/config/source.js";
import type { EdgeEnv } from "../src/env.js";
import { SESSION_TTL_MS, signSession } from "../src/status/session.js";
import { ADMIN_CONFIG, DEMOTED_CONFIG, OPEN_CONFIG, ORIGIN, signIn, statusFetch } from "./status-fixtures.js";

const bearer = (key: string) => ({ headers: { Authorization: `Bearer ${key}` } });

async function expectDenied(res: Response, status: 401 | 403): Promise<void> {
  expect(res.status).toBe(status);
  expect(await res.json()).toEqual({ error: DENIED_MESSAGE });
  expect(res.headers.get("cache-control")).toBe("no-store");
}

/** A session cookie for `user` signed now (or at `at`) with the key of `config`. */
async function cookieFor(user: string, config = ADMIN_CONFIG, at = Date.now()): Promise<string> {
  const edge = await loadEdgeConfig({ CONFIG_YAML: config } as EdgeEnv);
  return `tlc_status=${await signSession(edge, user, at)}`;
}

describe("/status.json access", () => {
  it("answers an admin's API key", async () => {
    const res = await statusFetch("/status.json", bearer("admin-key"));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
  });

  it("refuses a non-admin with 403, a bad or missing key with 401", async () => {
    await expectDenied(await statusFetch("/status.json", bearer("alice-key")), 403);
    await expectDenied(await statusFetch("/status.json", bearer("admin-key-")), 401);
    await expectDenied(await statusFetch("/status.json", { headers: { Authorization: "Basic admin-key" } }), 401);
    await expectDenied(await statusFetch("/status.json"), 401);
  });

  it("refuses everyone in open mode: it has no admins", async () => {
    await expectDenied(await statusFetch("/status.json", bearer("admin-key"), OPEN_CONFIG), 403);
    await expectDenied(await statusFetch("/status.json", {}, OPEN_CONFIG), 401);
    const login = await statusFetch(
      "/status/login",
      { method: "POST", headers: ORIGIN, body: new URLSearchParams({ api_key: "anything" }) },
      OPEN_CONFIG,
    );
    expect(login.status).toBe(403);
    expect(login.headers.get("set-cookie")).toBeNull();
  });

  it("checks a host and a browser origin like /mcp", async () => {
    const evil = { headers: { Authorization: "Bearer admin-key", Origin: "https://evil.example" } };
    expect((await statusFetch("/status.json", evil)).status).toBe(403);
    expect((await statusFetch("https://status.evil.example/status.json", bearer("admin-key"))).status).toBe(403);
  });
});

describe("/status sign-in", () => {
  it("shows the sign-in form without a session", async () => {
    const res = await statusFetch("/status");
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('<form class="signin" method="post" action="/status/login">');
    expect(html).not.toContain("Sign out");
  });

  it("sets a strict, HttpOnly session cookie for an admin key, and the page then opens", async () => {
    const res = await statusFetch("/status/login", {
      method: "POST",
      headers: ORIGIN,
      body: new URLSearchParams({ api_key: "admin-key" }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/status");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^tlc_status=[\w-]+\.[\w-]+; /);
    for (const attr of ["Path=/status", "HttpOnly", "SameSite=Strict", `Max-Age=${SESSION_TTL_MS / 1000}`]) {
      expect(cookie).toContain(attr);
    }
    expect(cookie).not.toContain("Secure");
    const page = await statusFetch("/status", { headers: { Cookie: cookie.split(";")[0] as string } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Signed in as root-admin");
    expect(html).toContain("Sign out");
  });

  it("marks the cookie Secure over https", async () => {
    const res = await statusFetch("https://127.0.0.1/status/login", {
      method: "POST",
      headers: { Origin: "https://127.0.0.1" },
      body: new URLSearchParams({ api_key: "admin-key" }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toContain("; Secure");
  });

  it("refuses a non-admin's or a wrong key with the one message, and a post without an Origin", async () => {
    for (const [key, status] of [
      ["alice-key", 403],
      ["wrong", 401],
      ["", 401],
      ["admin-key\nX-Other: 1", 401],
      ["clé", 401],
    ] as const) {
      const res = await statusFetch("/status/login", {
        method: "POST",
        headers: ORIGIN,
        body: new URLSearchParams({ api_key: key }),
      });
      expect(res.status).toBe(status);
      expect(res.headers.get("set-cookie")).toBeNull();
      expect(await res.text()).toContain(DENIED_MESSAGE);
    }
    const noOrigin = await statusFetch("/status/login", {
      method: "POST",
      body: new URLSearchParams({ api_key: "admin-key" }),
    });
    expect(noOrigin.status).toBe(403);
    expect(noOrigin.headers.get("set-cookie")).toBeNull();
  });

  it("refuses a tampered, forged, expired or malformed session", async () => {
    const good = await cookieFor("root-admin");
    const value = good.slice("tlc_status=".length);
    const [claims, mac] = value.split(".") as [string, string];
    const otherClaims = btoa(JSON.stringify({ user: "alice", expires: Date.now() + 1e9 })).replace(/=+$/, "");
    const flipped = `${mac.slice(0, -2)}${mac.endsWith("AA") ? "BB" : "AA"}`;
    for (const cookie of [
      `tlc_status=${claims}.${flipped}`,
      `tlc_status=${otherClaims}.${mac}`,
      `tlc_status=${claims}`,
      `tlc_status=${claims}.${mac}.x`,
      await cookieFor("root-admin", ADMIN_CONFIG, Date.now() - SESSION_TTL_MS - 1000),
    ]) {
      const res = await statusFetch("/status.json", { headers: { Cookie: cookie } });
      await expectDenied(res, 401);
      const page = await statusFetch("/status", { headers: { Cookie: cookie } });
      expect(page.status).toBe(401);
      expect(page.headers.get("set-cookie")).toContain("Max-Age=0");
    }
    await expectDenied(await statusFetch("/status.json", { headers: { Cookie: "tlc_status=" } }), 401);
    expect((await statusFetch("/status.json", { headers: { Cookie: good } })).status).toBe(200);
  });

  it("signs out a user who is no longer an admin, and one signed in as a non-admin", async () => {
    const cookie = await signIn();
    expect((await statusFetch("/status", { headers: { Cookie: cookie } })).status).toBe(200);
    const demoted = await statusFetch("/status", { headers: { Cookie: cookie } }, DEMOTED_CONFIG);
    expect(demoted.status).toBe(403);
    expect(demoted.headers.get("set-cookie")).toContain("Max-Age=0");
    await expectDenied(await statusFetch("/status.json", { headers: { Cookie: await cookieFor("alice") } }), 403);
    await expectDenied(await statusFetch("/status.json", { headers: { Cookie: await cookieFor("ghost") } }), 401);
  });

  it("signs out with the button's POST", async () => {
    const cookie = await signIn();
    const res = await statusFetch("/status/logout", { method: "POST", headers: { ...ORIGIN, Cookie: cookie } });
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toMatch(/^tlc_status=; Path=\/status; .*Max-Age=0/);
    expect((await statusFetch("/status/logout", { method: "POST", headers: { Cookie: cookie } })).status).toBe(403);
  });
});
