/**
 * @module What a row of the fleet bench is: a way to run one command on N hosts, timed per
 * repetition, returning what each host printed so the bench judges every row the same way.
 */
import type { FleetHost } from "../../e2e/harness/many-hosts.js";

export type { FleetHost };

/** One host's result in one repetition. */
export interface HostOutcome {
  /** The host's name (`h001`), as in `FleetHost.name`. */
  name: string;
  /** What the command printed on stdout; undefined when it never ran. */
  stdout?: string;
  /** Why it failed, as the tool reported it (exit status, ssh's message, …). */
  error?: string;
}

export interface FleetRow {
  /** Short id for `--rows` and `--reference` (e.g. `ssh2-warm`). */
  id: string;
  /** What the table shows. */
  label: string;
  /** Untimed, once per size before the first repetition (open warm connections, start a stack). */
  setup?(hosts: FleetHost[]): Promise<void>;
  /**
   * One timed repetition: run `uname -a` on every host, in parallel as the tool does it.
   * `signal` aborts when the repetition exceeds the bench's timeout: stop child processes.
   */
  run(hosts: FleetHost[], signal: AbortSignal): Promise<HostOutcome[]>;
  /** Untimed, after each repetition (e.g. close SSH control masters so the next one is cold). */
  afterRep?(): Promise<void>;
  /** Untimed, once per size after the last repetition; also called when the bench fails. */
  teardown?(): Promise<void>;
}

/** What every row runs on every host. */
export const COMMAND = "uname -a";
