/**
 * @module The status data laid out for people: summary lines and one table per section, as
 * plain cells. The server renders it into the page, and the page's script re-renders the
 * same view from `/status` (Accept: application/json) every few seconds, so both agree
 * without the browser repeating any formatting.
 */
import type { StatusData, StatusJob } from "./data.js";

export type Tone = "good" | "bad" | "warn" | "muted";

export interface Cell {
  text: string;
  /** Shown as a badge in this tone. */
  tone?: Tone;
  /** An ISO time the text stands for (rendered as <time datetime>). */
  time?: string;
}

export interface TableView {
  id: string;
  title: string;
  caption: string;
  columns: string[];
  rows: Cell[][];
  /** The text of the one row shown when there are no rows. */
  empty: string;
}

export interface PageView {
  /** `HH:MM:SS UTC` of the data. */
  updated: string;
  summary: string[];
  tables: TableView[];
}

export function duration(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 1) return "under 1 s";
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d ${Math.floor((seconds % 86_400) / 3600)} h`;
}

/** `HH:MM:SS UTC`, with the date when it is not the day of `now`. */
export function clock(iso: string | null, now: string): string {
  if (!iso) return "—";
  const day = iso.slice(0, 10) === now.slice(0, 10) ? "" : `${iso.slice(0, 10)} `;
  return `${day}${iso.slice(11, 19)} UTC`;
}

const at = (iso: string | null, now: string): Cell => (iso ? { text: clock(iso, now), time: iso } : { text: "—" });

const STATE_TONES: Record<string, Tone> = {
  up: "good",
  succeeded: "good",
  connected: "good",
  running: "warn",
  unknown: "warn",
  cancelled: "muted",
};

function badge(state: string): Cell {
  return { text: state.replace(/_/g, " "), tone: STATE_TONES[state] ?? "bad" };
}

/** A fan-out may name a thousand VMs: the page names a few (the JSON has them all). */
function vmList(vms: string[], shown = 5): string {
  if (!vms.length) return "—";
  const more = vms.length - shown;
  return more > 0 ? `${vms.slice(0, shown).join(", ")} and ${more} more` : vms.join(", ");
}

function jobCells(job: StatusJob): Cell[] {
  return [
    { text: job.summary },
    { text: job.tool ?? (job.background ? "background" : "call") },
    { text: job.caller },
    { text: vmList(job.vms) },
    { text: job.agent },
  ];
}

export function pageView(data: StatusData): PageView {
  const now = data.generated_at;
  const up = data.vms.filter((vm) => vm.state === "up").length;
  const connected = data.agents.filter((a) => a.connected).length;
  const config = data.config;
  return {
    updated: clock(now, now),
    summary: [
      `${connected} of ${data.agents.length} agent(s) connected`,
      `${up} of ${data.vms.length} VM(s) up`,
      `${data.jobs.running.length} job(s) running`,
      `Config: ${config.source}, loaded ${config.age_s === null ? "at an unknown time" : `${duration(config.age_s)} ago`}`,
    ],
    tables: [
      {
        id: "agents",
        title: "Agents",
        caption: "Every agent the config names, its connection and version.",
        columns: ["Agent", "State", "Version", "Instance", "Up for", "Connected for", "Last heartbeat"],
        rows: data.agents.map((a) => [
          { text: a.name },
          a.error ? badge("unknown") : badge(a.connected ? "connected" : "offline"),
          { text: a.version ?? "—" },
          { text: a.instance ? a.instance.slice(0, 8) : "—" },
          { text: duration(a.uptime_s) },
          { text: duration(a.connected_s) },
          at(a.last_heartbeat_at, now),
        ]),
        empty: "No agents in the config.",
      },
      {
        id: "vms",
        title: "VMs",
        caption: "Reachability of each VM's SSH port, probed by its agent at most every 15 s.",
        columns: ["VM", "State", "Latency", "Checked at", "Agent", "Detail"],
        rows: data.vms.map((vm) => [
          { text: vm.name },
          badge(vm.state),
          { text: vm.latency_ms === null ? "—" : `${vm.latency_ms} ms` },
          at(vm.checked_at, now),
          { text: vm.agent },
          { text: vm.error ?? "" },
        ]),
        empty: "No VMs in the config.",
      },
      {
        id: "running",
        title: "Running jobs",
        caption: "Jobs the agents are running now: commands show only their program name and length.",
        columns: ["Started", "Job", "Tool", "Caller", "VMs", "Agent", "Running for"],
        rows: data.jobs.running.map((job) => [
          at(job.started_at, now),
          ...jobCells(job),
          { text: duration(job.duration_s) },
        ]),
        empty: "No job is running.",
      },
      {
        id: "recent",
        title: "Recent jobs",
        caption: "The latest jobs that ended, newest first.",
        columns: ["Ended", "Job", "Tool", "Caller", "VMs", "Agent", "State", "Took"],
        rows: data.jobs.recent.map((job) => [
          at(job.ended_at, now),
          ...jobCells(job),
          job.detail
            ? { ...badge(job.state), text: `${job.state.replace(/_/g, " ")}: ${job.detail}` }
            : badge(job.state),
          { text: duration(job.duration_s) },
        ]),
        empty: "No job has ended recently.",
      },
      {
        id: "errors",
        title: "Recent errors",
        caption: "Failed jobs, agent disconnects and config errors, newest first.",
        columns: ["Time", "Source", "Kind", "Message"],
        rows: data.errors.map((e) => [at(e.at, now), { text: e.source }, { text: e.kind }, { text: e.message }]),
        empty: "No recent errors.",
      },
    ],
  };
}
