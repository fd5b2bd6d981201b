/**
 * @module The two POSIX sh scripts of an install: the read-only query ("which of these are
 * installed?") and the install itself (optional index refresh, install, query after). Both
 * print distro.ts's `@@tc:` sections so `parseSections` reads them; both run on dash, bash
 * and busybox ash.
 */
import { shellQuote } from "../../ssh/quote.js";

const PRELUDE = `export LC_ALL=C
s() { printf '\\n@@tc:%s\\n' "$1"; }
`;

/** One package to query: the quoted arguments of `q`, and the name it is reported under. */
export interface QueryLine {
  args: string;
  spec: string;
}

/** Prints `present <spec>` or `absent <spec>` per package: a missing line means it never ran. */
function queries(section: string, lines: readonly QueryLine[]): string {
  const body = lines.map(
    ({ args, spec }) =>
      `if q ${args}; then printf 'present %s\\n' ${shellQuote(spec)}; else printf 'absent %s\\n' ${shellQuote(spec)}; fi`,
  );
  return [`s ${section}`, ...body].join("\n");
}

/** Reads the package database only; always exits 0. LC_ALL=C as in every script here. */
export function queryScript(queryFunction: string, lines: readonly QueryLine[]): string {
  return `${PRELUDE}${queryFunction}\n${queries("before", lines)}\ns end\nexit 0\n`;
}

/**
 * Lines worth parsing in the managers' output, whatever its length: per-package errors
 * (apt `E:`, dnf `No match for argument`, yum `No package … available.`, zypper `No provider
 * of`, pacman `error: target not found`, apk's indented `name (reason):` under its ERROR)
 * and sudo's refusals.
 */
export const ERROR_LINES =
  "^(E: |Error|ERROR|error: |No match for argument|No package |No provider of |Package '|sudo: )" +
  "|^ +[^ ]+ \\(.*\\):?$|^ +breaks: |is not in the sudoers|not allowed to execute";

export interface InstallScript {
  queryFunction: string;
  update: string | null;
  install: string;
  after: readonly QueryLine[];
}

/**
 * Output is captured and printed after the short sections: the job keeps only the first
 * bytes of a long output, and a 2 MB apt log must not cut off the exit codes or the query
 * after. The manager's stderr is merged in (that is where apt writes `E:`). Exits with the
 * install's code.
 */
export function installScript({ queryFunction, update, install, after }: InstallScript): string {
  const run = [
    update ? `uout=$(${update} 2>&1); urc=$?` : "uout=; urc=",
    `out=$(${install} 2>&1); rc=$?`,
    's update-rc; echo "$urc"',
    's install-rc; echo "$rc"',
  ];
  const report = [
    `s errors; printf '%s\\n' "$uout" "$out" | grep -E ${shellQuote(ERROR_LINES)} | head -n 100`,
    "s install-tail; printf '%s\\n' \"$out\" | tail -n 5",
    "s end",
    "s update-output; printf '%s\\n' \"$uout\"",
    "s install-output; printf '%s\\n' \"$out\"",
    'exit "$rc"',
  ];
  return `${PRELUDE}${queryFunction}\n${run.join("\n")}\n${queries("after", after)}\n${report.join("\n")}\n`;
}
