/** @module The help of `telecommande-agent history` and of each of its commands. */

const DATA_DIR = `  --data-dir <dir>      the agent's data dir          env TELECOMMANDE_DATA_DIR, default ~/.la-telecommande`;

export const HISTORY_USAGE = `Usage: telecommande-agent history <command> [options]

The agent's history of operations: one SQLite file, history.sqlite in its data dir.

Commands:
  import FILE.jsonl     add records from a JSONL file (the original's Qdrant history, an export)
  export                write the records as JSONL
  stats                 count the records, their time span, size on disk, busiest VMs
  reindex               rebuild the search index with this agent's analyzer

\`telecommande-agent history <command> --help\` shows each one's options.
Exit codes: 0 done, 1 bad input, 2 wrong usage.
`;

export const USAGES = {
  import: `Usage: telecommande-agent history import [options] FILE.jsonl

Adds the records of a JSONL file (one JSON object a line, "-" for stdin) to the history.

Fields of a line (the original's Qdrant payload, plus what an export adds):
  host         required; the host it ran on
  command      required
  timestamp    required; epoch seconds, or an ISO 8601 date (UTC when without offset)
  user, stdout, stderr                     text, default ""
  return_code  whole number, or null when there was none (default)
  vm           the VM's name in the config; without it, the VM of this agent whose
               host is \`host\` (the first in the config when several share it)
  job_id, caller, duration_ms              kept as given

A line's host, user, job_id and timestamp are kept as given; secrets are masked and
outputs cut as for the agent's own records. A line that matches none of this agent's
VMs is skipped with its line number (give it a "vm"), never filed under another VM,
whose users would then see it. The same file imported twice adds nothing. Records older
than the agent's --history-max-age-days go at its next prune (you are warned).

The agent may keep running meanwhile. Run this as the agent's user: the history file
must stay the agent's.

Options:
  --config <path>       fleet config (YAML)           env CONFIG, default ./config.yaml
  --name <name>         agent name                    env AGENT_NAME, default "default"
${DATA_DIR}
  -h, --help            show this help

Exit codes: 0 every line imported or already there, 1 lines skipped or bad input, 2 wrong usage.
`,
  export: `Usage: telecommande-agent history export [options]

Writes the records as JSONL, oldest first: host, user, command, stdout, stderr,
return_code, timestamp (epoch seconds), vm, job_id, caller, duration_ms; the format
\`history import\` reads. The agent may keep running meanwhile.

Options:
  --since <when>        only records at or after: epoch seconds, an ISO 8601 date,
                        or an age (30m, 24h, 7d, 2w)
  -o, --output <file>   write to this file (mode 0600) instead of stdout
${DATA_DIR}
  -h, --help            show this help
`,
  stats: `Usage: telecommande-agent history stats [options]

Shows the number of records, the oldest and newest, the size on disk, the analyzer of
the search index and the VMs with the most records.

Options:
  --json                as one JSON object
${DATA_DIR}
  -h, --help            show this help
`,
  reindex: `Usage: telecommande-agent history reindex [options]

Rebuilds the search index with this agent's analyzer, as needed after an upgrade changes
it (the agent then refuses the history until it is done). Stop the agent first: the
rebuild holds the file's write lock until it is done, and the agent reopens the history
when it starts.

Options:
${DATA_DIR}
  -h, --help            show this help
`,
} as const;
