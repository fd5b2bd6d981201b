/**
 * @module Credential guessing through the forms: each sign-in attempt (/authorize's
 * credential step, /status/login, /oauth/login-codes) counts against the client's address
 * through the Workers Rate Limiting binding SIGN_INS (wrangler.toml: 20 a minute). Over it,
 * 429 with Retry-After, before the credential is even looked at. API keys are long random
 * strings, so this is about noise and log floods more than about guessing them; Cloudflare
 * counts per location and approximately.
 */
import type { Context } from "hono";
import type { EdgeEnv } from "../env.js";
import { overRate, RATE_PERIOD_S } from "./rate-limit.js";

export const SIGN_IN_LIMITED = `too many sign-in attempts from this address; retry in ${RATE_PERIOD_S} s`;

/** True when this request's address is over its sign-in allowance; sets Retry-After then. */
export async function signInLimited(c: Context<{ Bindings: EdgeEnv }>): Promise<boolean> {
  // Cloudflare sets CF-Connecting-IP on every request it forwards; a client cannot forge it there.
  const address = c.req.header("cf-connecting-ip") ?? "unknown";
  if (!(await overRate(c.env.SIGN_INS, `sign-in:${address}`))) return false;
  c.header("Retry-After", String(RATE_PERIOD_S));
  return true;
}
