/**
 * @module The status page and its sign-in form, server-rendered with Hono JSX (which escapes
 * every string). Semantic HTML: a header, a main with one section per table, captions,
 * column and row headers; the live "updated" line is a polite live region. Without
 * JavaScript the page reloads itself every NOSCRIPT_REFRESH_S instead.
 */
import type { Child } from "hono/jsx";
import { SCRIPT, STYLE } from "./assets.js";
import type { Cell, PageView, TableView } from "./view.js";

const NOSCRIPT_REFRESH_S = 30;
const TITLE = "La Télécommande — fleet status";

function Layout(props: { children: Child; live: boolean }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{TITLE}</title>
        <style>{STYLE}</style>
        {props.live ? (
          <noscript>
            <meta http-equiv="refresh" content={String(NOSCRIPT_REFRESH_S)} />
          </noscript>
        ) : null}
      </head>
      <body>{props.children}</body>
    </html>
  );
}

function CellView(props: { cell: Cell; header: boolean }) {
  const { cell } = props;
  const text = cell.time ? <time datetime={cell.time}>{cell.text}</time> : cell.text;
  const content = cell.tone ? <span class={`badge ${cell.tone}`}>{text}</span> : text;
  return props.header ? <th scope="row">{content}</th> : <td>{content}</td>;
}

function Table(props: { table: TableView }) {
  const { table } = props;
  return (
    <section aria-labelledby={`${table.id}-title`}>
      <h2 id={`${table.id}-title`}>{table.title}</h2>
      <table>
        <caption>{table.caption}</caption>
        <thead>
          <tr>
            {table.columns.map((c) => (
              <th scope="col">{c}</th>
            ))}
          </tr>
        </thead>
        <tbody id={`${table.id}-body`}>
          {table.rows.length ? (
            table.rows.map((row) => (
              <tr>
                {row.map((cell, i) => (
                  <CellView cell={cell} header={i === 0} />
                ))}
              </tr>
            ))
          ) : (
            <tr>
              <td colspan={table.columns.length} class="empty">
                {table.empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

export function StatusPage(props: { view: PageView; user: string; signOut: boolean }) {
  const { view } = props;
  return (
    <Layout live={true}>
      <header>
        <h1>{TITLE}</h1>
        <p>Signed in as {props.user}</p>
        <output id="updated" aria-live="polite">
          Updated at {view.updated}
        </output>
        {props.signOut ? (
          <form method="post" action="/status/logout">
            <button type="submit">Sign out</button>
          </form>
        ) : null}
      </header>
      <main>
        <ul id="summary" class="summary" aria-label="Summary">
          {view.summary.map((line) => (
            <li>{line}</li>
          ))}
        </ul>
        {view.tables.map((table) => (
          <Table table={table} />
        ))}
      </main>
      <script>{SCRIPT}</script>
    </Layout>
  );
}

export function SignInPage(props: { error: string | null }) {
  return (
    <Layout live={false}>
      <header>
        <h1>{TITLE}</h1>
      </header>
      <main>
        <h2>Sign in</h2>
        <p>
          The status page is for administrators: sign in with the API key of a user with <code>admin: true</code>.
        </p>
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : null}
        <form class="signin" method="post" action="/status/login">
          <label>
            API key
            <input type="password" name="api_key" autocomplete="current-password" required autofocus />
          </label>
          <button type="submit">Sign in</button>
        </form>
      </main>
    </Layout>
  );
}
