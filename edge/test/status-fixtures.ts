/** @module A fleet with an admin, served by the Worker under test with its own CONFIG_YAML, for the status page tests. */
import { createExecutionContext, env } from "cloudflare:test";
import { app } from "../src/app.js";

const VMS = [
  { name: "vm1", host: "10.0.0.1", user: "ubuntu" },
  { name: "vm2", host: "10.0.0.2", port: 2222, user: "ubuntu" },
];

function fleet(adminIsAdmin: boolean): string {
  return JSON.stringify({
    vms: VMS,
    groups: [{ name: "all", vms: ["vm1", "vm2"] }],
    users: [
      { name: "root-admin", api_key: "admin-key", groups: ["all"], admin: adminIsAdmin },
      { name: "alice", api_key: "alice-key", groups: ["all"] },
    ],
  });
}

/** root-admin (admin: true) and alice (not an admin), both on vm1 and vm2 of agent "default". */
export const ADMIN_CONFIG = fleet(true);
/** The same users and keys, root-admin no longer an admin. */
export const DEMOTED_CONFIG = fleet(false);
/** No `users`: open mode, which has no admins. */
export const OPEN_CONFIG = JSON.stringify({ vms: VMS });

export const BASE = "http://127.0.0.1:8787";
export const ORIGIN = { Origin: BASE };

/** A request to the Worker under test with `config` as its CONFIG_YAML. */
export function statusFetch(path: string, init: RequestInit = {}, config = ADMIN_CONFIG): Promise<Response> {
  const url = path.startsWith("http") ? path : `${BASE}${path}`;
  return Promise.resolve(app.request(url, init, { ...env, CONFIG_YAML: config }, createExecutionContext()));
}

/** Signs in through the form; the session cookie's `name=value`. */
export async function signIn(key = "admin-key", config = ADMIN_CONFIG): Promise<string> {
  const res = await statusFetch(
    "/status/login",
    { method: "POST", headers: ORIGIN, body: new URLSearchParams({ api_key: key }) },
    config,
  );
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}`);
  return (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
}
