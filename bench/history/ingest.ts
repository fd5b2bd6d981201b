/**
 * @module The history bench's ingest rows: the store alone (batches of 100, as an import
 * writes; batches of 1), then the agent's own path through its Recorder (mask, cut, store,
 * each record awaited as a job handler awaits it before answering): 100 operations
 * finishing at once, as a fan-out's VMs do, and one operation at a time.
 */
import type { ServedVm } from "../../agent/src/config.js";
import type { OperationRecord } from "../../agent/src/history/record.js";
import { type Operation, Recorder } from "../../agent/src/history/recorder.js";
import type { HistoryStore } from "../../agent/src/history/store.js";
import { createLogger } from "../../agent/src/log.js";
import type { NaiveHistory } from "./naive.js";

/** Records added per row other than the bulk one, out of each size: enough for a stable rate. */
const SINGLES = 2000;
const BULK_BATCH = 100;
/** Operations that finish together in the "at once" row: a fan-out over 100 VMs. */
const TOGETHER = 100;

export interface IngestRow {
  path: string;
  records: number;
  perSecond: number;
}

/** The operation a job handler would hand the recorder for a record. */
function operationOf(r: OperationRecord): Operation {
  const vm = { name: r.vm, host: r.host, user: r.user, port: 22, privateKey: "" } as ServedVm;
  return {
    job_id: r.job_id,
    caller: r.caller,
    vm,
    command: r.command,
    stdout: r.stdout,
    stderr: r.stderr,
    return_code: r.return_code,
    duration_ms: r.duration_ms,
    startedAtMs: r.timestamp * 1000,
  };
}

export async function ingest(
  store: HistoryStore,
  naive: NaiveHistory,
  records: OperationRecord[],
): Promise<IngestRow[]> {
  const singles = Math.min(SINGLES, Math.floor(records.length / 10));
  const bulk = records.slice(0, records.length - 3 * singles);
  let next = bulk.length;
  const take = (n: number) => {
    next += n;
    return records.slice(next - n, next);
  };
  const rows: IngestRow[] = [];
  const timed = async (path: string, n: number, run: () => Promise<unknown>) => {
    const start = performance.now();
    await run();
    rows.push({ path, records: n, perSecond: n / ((performance.now() - start) / 1000) });
  };

  await timed(`store, batches of ${BULK_BATCH}`, bulk.length, async () => {
    for (let i = 0; i < bulk.length; i += BULK_BATCH) await store.add(bulk.slice(i, i + BULK_BATCH));
  });
  const ones = take(singles);
  await timed("store, batches of 1", ones.length, async () => {
    for (const r of ones) await store.add([r]);
  });

  const recorder = new Recorder(store, createLogger({ agent: "bench", level: "warn", sink: console.error }));
  const together = take(singles).map(operationOf);
  await timed(`agent's path: recorder, ${TOGETHER} finishing at once`, together.length, async () => {
    for (let i = 0; i < together.length; i += TOGETHER) {
      await Promise.all(together.slice(i, i + TOGETHER).map((op) => recorder.record(op)));
    }
  });
  const alone = take(singles).map(operationOf);
  await timed("agent's path: recorder, one at a time", alone.length, async () => {
    for (const op of alone) await recorder.record(op);
  });

  await timed("naive: lower-cased copy in an array (memory only)", records.length, async () => naive.add(records));
  return rows;
}
