/**
 * @module ConfirmNonces: a small Durable Object per caller that remembers the nonces of the
 * confirmation tokens already used, until they expire. A stateless edge has no other place
 * where "this token ran once" holds across isolates; a DO runs one request at a time, so a
 * token sent twice at once still runs once.
 */
import { DurableObject, env } from "cloudflare:workers";
import type { EdgeEnv } from "../env.js";

/**
 * Rows are kept this long past their token's expiry: the Worker checks expiry with its own
 * clock, and a slightly late clock must not see a used nonce forgotten.
 */
const CLOCK_SLACK_MS = 60_000;

export class ConfirmNonces extends DurableObject<EdgeEnv> {
  constructor(ctx: DurableObjectState, env: EdgeEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS used_nonces (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)",
    );
  }

  /** True the first time a nonce is presented, false ever after (until long past its expiry). */
  async consume(nonce: string, expiresAt: number): Promise<boolean> {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM used_nonces WHERE expires_at < ?", Date.now() - CLOCK_SLACK_MS);
    if (sql.exec("SELECT 1 FROM used_nonces WHERE nonce = ?", nonce).toArray().length) return false;
    sql.exec("INSERT INTO used_nonces (nonce, expires_at) VALUES (?, ?)", nonce, expiresAt);
    return true;
  }
}

/** Marks a token's nonce used; false when it already was. Throws when the store is unreachable. */
export async function consumeNonce(caller: string, nonce: string, expiresAt: number): Promise<boolean> {
  const namespace = (env as unknown as EdgeEnv).CONFIRM_NONCES;
  if (!namespace) throw new Error("the CONFIRM_NONCES binding is missing (wrangler.toml)");
  return namespace.get(namespace.idFromName(caller)).consume(nonce, expiresAt);
}
