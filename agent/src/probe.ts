/** @module `probe` jobs: a TCP connect to the VM's SSH port from inside the private network, timed. */
import { connect } from "node:net";
import type { ProbeResult } from "@telecommande/shared";
import { describeNetError } from "./errors.js";
import { roundMs } from "./ssh/exec.js";

/** A probe answers quickly even when the job allows minutes: it is a reachability check. */
export const PROBE_MAX_MS = 5000;

export function probeTcp(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  const limit = Math.max(1, Math.min(timeoutMs, PROBE_MAX_MS));
  return new Promise<ProbeResult>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const started = performance.now();
    const sock = connect({ host, port });
    sock.setNoDelay(true);
    let done = false;
    const finish = (result: ProbeResult | null, error?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      sock.destroy();
      if (result) resolve(result);
      else reject(error);
    };
    const onAbort = () => finish(null, signal?.reason);
    const timer = setTimeout(
      () => finish({ kind: "probe", reachable: false, latency_ms: null, reason: `timed out after ${limit} ms` }),
      limit,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    sock.once("connect", () =>
      finish({ kind: "probe", reachable: true, latency_ms: roundMs(performance.now() - started), reason: null }),
    );
    sock.once("error", (err) =>
      finish({ kind: "probe", reachable: false, latency_ms: null, reason: describeNetError(err) }),
    );
  });
}
