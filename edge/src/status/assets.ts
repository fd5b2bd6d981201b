/**
 * @module The status page's inline style and script: constants, allowed by their SHA-256 in
 * the page's Content-Security-Policy (no other script or style may run). Both are written
 * without the characters HTML escaping changes (& < > " '), so the page carries them through
 * Hono JSX's ordinary escaping unchanged and their hashes hold; a test checks it.
 *
 * The script asks `/status` for its view (Accept: application/json) every REFRESH_MS and
 * rebuilds the tables from it with DOM text nodes only; the session cookie is scoped to
 * Path=/status, which /status.json is not under. A 401 or 403 (signed out, no longer admin)
 * reloads the page, which then shows the sign-in form.
 */

export const REFRESH_MS = 5_000;

export const STYLE = `
:root { color-scheme: light; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: #1b1b1f; background: #ffffff; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem; padding: 1rem 1.5rem;
  background: #f3f4f8; border-bottom: 1px solid #c9ccd6; }
header h1 { font-size: 1.3rem; margin: 0; flex: 1 1 auto; }
header p, header output { margin: 0; color: #3d4150; }
main { padding: 0.5rem 1.5rem 2rem; max-width: 80rem; }
ul.summary { display: flex; flex-wrap: wrap; gap: 0.4rem 1.5rem; padding: 0; margin: 1rem 0; list-style: none; font-weight: 600; }
section { margin-top: 1.5rem; }
h2 { font-size: 1.1rem; margin: 0 0 0.3rem; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: #3d4150; padding-bottom: 0.4rem; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.6rem; border-bottom: 1px solid #dcdfe6; }
thead th { background: #f3f4f8; font-weight: 600; border-bottom: 2px solid #9aa0ae; }
tbody th { font-weight: 600; }
time { white-space: nowrap; }
td.empty { color: #3d4150; font-style: italic; }
.badge { display: inline-block; padding: 0 0.5rem; border-radius: 0.6rem; font-weight: 600; white-space: nowrap; }
.good { color: #0b5a26; background: #dcf2e3; }
.bad { color: #8c1116; background: #fbe3e4; }
.warn { color: #5a4300; background: #fff1c2; }
.muted { color: #3d4150; background: #e8eaef; }
button, input { font: inherit; }
input { padding: 0.35rem 0.5rem; border: 1px solid #6b7080; border-radius: 0.3rem; min-width: 20rem; }
button { padding: 0.35rem 0.9rem; border: 1px solid #1d3fa8; border-radius: 0.3rem; background: #1d3fa8; color: #ffffff; cursor: pointer; }
button:hover { background: #16318a; }
:focus-visible { outline: 3px solid #c2410c; outline-offset: 2px; }
.error { color: #8c1116; font-weight: 600; }
form.signin { display: flex; flex-wrap: wrap; gap: 0.6rem; align-items: end; margin-top: 1rem; }
form.signin label { display: flex; flex-direction: column; gap: 0.2rem; font-weight: 600; }
`;

export const SCRIPT = `
(function () {
  var updated = document.getElementById(\`updated\`);
  function cell(tag, c) {
    var el = document.createElement(tag);
    if (tag === \`th\`) el.scope = \`row\`;
    var inner = el;
    if (c.tone) {
      inner = document.createElement(\`span\`);
      inner.className = \`badge \` + c.tone;
      el.appendChild(inner);
    }
    if (c.time) {
      var t = document.createElement(\`time\`);
      t.dateTime = c.time;
      t.textContent = c.text;
      inner.appendChild(t);
    } else {
      inner.appendChild(document.createTextNode(c.text));
    }
    return el;
  }
  function row(cells) {
    var tr = document.createElement(\`tr\`);
    cells.forEach(function (c, i) { tr.appendChild(cell(i === 0 ? \`th\` : \`td\`, c)); });
    return tr;
  }
  function emptyRow(table) {
    var tr = document.createElement(\`tr\`);
    var td = document.createElement(\`td\`);
    td.colSpan = table.columns.length;
    td.className = \`empty\`;
    td.textContent = table.empty;
    tr.appendChild(td);
    return tr;
  }
  function render(view) {
    view.tables.forEach(function (table) {
      var body = document.getElementById(table.id + \`-body\`);
      if (!body) return;
      body.replaceChildren.apply(body, table.rows.length ? table.rows.map(row) : [emptyRow(table)]);
    });
    var summary = document.getElementById(\`summary\`);
    summary.replaceChildren.apply(summary, view.summary.map(function (text) {
      var li = document.createElement(\`li\`);
      li.textContent = text;
      return li;
    }));
    updated.textContent = \`Updated at \` + view.updated;
  }
  function refresh() {
    fetch(\`/status\`, { headers: { accept: \`application/json\` }, credentials: \`same-origin\`, cache: \`no-store\` })
      .then(function (res) {
        if (res.status === 401 || res.status === 403) return location.reload();
        if (!res.ok) throw new Error(\`HTTP \` + res.status);
        return res.json().then(render);
      })
      .catch(function (e) { updated.textContent = \`Live refresh failed (\` + e.message + \`); retrying\`; });
  }
  setInterval(refresh, ${REFRESH_MS});
})();
`;

/** `'sha256-…'` of a constant, for the Content-Security-Policy. */
async function cspHash(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let binary = "";
  for (const b of digest) binary += String.fromCharCode(b);
  return `'sha256-${btoa(binary)}'`;
}

let policy: Promise<string> | undefined;

/** The page's Content-Security-Policy: nothing but its own style, its own script and fetches to itself. */
export function contentSecurityPolicy(): Promise<string> {
  policy ??= Promise.all([cspHash(STYLE), cspHash(SCRIPT)]).then(
    ([style, script]) =>
      `default-src 'none'; style-src ${style}; script-src ${script}; connect-src 'self'; img-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  );
  return policy;
}
