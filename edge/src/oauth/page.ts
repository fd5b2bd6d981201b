/**
 * @module The /authorize pages: sign in (API key or one-time login code), then consent.
 * Server-rendered, no script and no external assets; every value goes through hono/html's
 * escaping, since client names and redirect URIs come from whoever registered the client.
 */
import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";
import { html, raw } from "hono/html";
import type { Caller } from "../auth/caller.js";
import { MCP_SCOPE } from "./server.js";

type Html = ReturnType<typeof html>;

/** Trusted constant CSS, inserted unescaped (escaping would turn its quotes into entities). */
const STYLE = `
:root { color-scheme: light dark; --accent: #1f5fbf; --muted: #5b6572; --line: #d6dbe1; --bg: #f4f6f8; --card: #fff; --warn: #8a5a00; --warn-bg: #fff4dc; --err: #a61b1b; --err-bg: #fde8e8; }
@media (prefers-color-scheme: dark) { :root { --accent: #7fb0ff; --muted: #a3acb8; --line: #3a414a; --bg: #15181c; --card: #1f2328; --warn: #f3c46b; --warn-bg: #3a2f16; --err: #ff9b9b; --err-bg: #3d1d1d; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center; background: var(--bg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; padding: 1.5rem; }
main { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 2rem; width: 100%; max-width: 32rem; box-shadow: 0 4px 24px rgb(0 0 0 / 6%); }
.brand { margin: 0 0 1.25rem; font-size: .85rem; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); }
h1 { margin: 0 0 .75rem; font-size: 1.35rem; line-height: 1.3; }
p { margin: .5rem 0; }
.muted { color: var(--muted); font-size: .92rem; }
.note { border-radius: 8px; padding: .6rem .8rem; margin: 1rem 0; font-size: .92rem; }
.warn { background: var(--warn-bg); color: var(--warn); }
.error { background: var(--err-bg); color: var(--err); font-weight: 600; }
label { display: block; font-weight: 600; margin: 1.25rem 0 .35rem; }
input[type=password] { width: 100%; padding: .65rem .75rem; font: inherit; border: 1px solid var(--line); border-radius: 8px; background: transparent; color: inherit; }
input:focus-visible, button:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
button { flex: 1; padding: .7rem 1rem; font: inherit; font-weight: 600; border-radius: 8px; border: 1px solid var(--line); background: transparent; color: inherit; cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
@media (prefers-color-scheme: dark) { button.primary { color: #0b1320; } }
dl { margin: 1rem 0; display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; }
dt { color: var(--muted); }
dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; }
ul.vms { margin: .25rem 0 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: .35rem; }
ul.vms li { border: 1px solid var(--line); border-radius: 999px; padding: .1rem .6rem; font-size: .88rem; font-weight: 600; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
`;

function layout(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title}</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<main>
<p class="brand">La Télécommande</p>
${body}
</main>
</body>
</html>`;
}

function clientFacts(details: ConsentDescription): Html {
  const origin = details.clientDomain
    ? html`<p class="muted">Published by <strong>${details.clientDomain}</strong>.</p>`
    : html`<p class="muted">This app registered itself; its name is not verified.</p>`;
  const loopback = details.redirectIsLoopback
    ? html`<p class="note warn" role="note">Access will be sent to an app on this computer. Continue only if you just started signing in from it.</p>`
    : "";
  return html`${origin}
<p>Access will be sent to <strong>${details.redirectHost}</strong>.</p>
${loopback}`;
}

/** Step 1: who are you? An API key or a one-time login code, never stored in the page. */
export function signInPage(details: ConsentDescription, error?: string): Html {
  const alert = error ? html`<p class="note error" role="alert" id="sign-in-error">${error}</p>` : "";
  const described = error ? "sign-in-help sign-in-error" : "sign-in-help";
  return layout(
    `Sign in to connect ${details.clientName}`,
    html`<h1><span>${details.clientName}</span> wants to use your machines</h1>
${clientFacts(details)}
${alert}
<form method="post">
  <label for="credential">API key or one-time login code</label>
  <input id="credential" name="credential" type="password" autocomplete="off" spellcheck="false" required autofocus aria-describedby="${described}">
  <p class="muted" id="sign-in-help">Your La Télécommande API key, or a code an administrator gave you. It is checked here and never sent to the app.</p>
  <div class="actions"><button type="submit" class="primary">Continue</button></div>
</form>`,
  );
}

/** Step 2: what the grant reaches, with Allow and Deny bound to the consent handle. */
export function consentPage(details: ConsentDescription, caller: Caller, handle: string): Html {
  const vms = caller.vms.length
    ? html`<ul class="vms">${caller.vms.map((vm) => html`<li>${vm.name}</li>`)}</ul>`
    : html`none`;
  const groups = caller.groups.size ? [...caller.groups].join(", ") : "none";
  return layout(
    `Allow ${details.clientName}?`,
    html`<h1>Allow <span>${details.clientName}</span> to act as ${caller.name}?</h1>
${clientFacts(details)}
<dl>
  <dt>Signed in as</dt><dd>${caller.name}</dd>
  <dt>Groups</dt><dd>${groups}</dd>
  <dt>Machines</dt><dd>${vms}</dd>
  <dt>Access</dt><dd>The MCP tools on these machines (scope <code>${MCP_SCOPE}</code>)</dd>
</dl>
<p class="muted">The app acts with exactly ${caller.name}'s permissions as the configuration sets them at each request: a change of groups applies to it, and removing ${caller.name} ends its access.</p>
<form method="post" action="/authorize">
  <input type="hidden" name="handle" value="${handle}">
  <div class="actions">
    <button type="submit" name="decision" value="deny">Deny</button>
    <button type="submit" name="decision" value="allow" class="primary">Allow</button>
  </div>
</form>`,
  );
}

/** A page for a request that cannot go on and must not redirect anywhere. */
export function problemPage(title: string, message: string): Html {
  return layout(title, html`<h1>${title}</h1><p class="note error" role="alert">${message}</p>`);
}

/**
 * Headers of every /authorize page: no framing, no caching, nothing loaded from elsewhere.
 * The referrer policy is `same-origin`, not `no-referrer`: under the latter a browser sends
 * `Origin: null` with the form posts, and the same-origin check could not tell them apart.
 */
export const PAGE_HEADERS: Record<string, string> = {
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  "X-Frame-Options": "DENY",
  "Cache-Control": "no-store",
  "Referrer-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
};
