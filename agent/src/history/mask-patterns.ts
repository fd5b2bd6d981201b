/**
 * @module The secrets the history masks, one named pattern each, applied in order.
 *
 * Every pattern keeps the text around the secret (the option, the key, the scheme) so a
 * masked command still reads as the command that ran. Every regex runs in linear time:
 * each starts on a literal or behind a lookbehind that rejects most positions at once,
 * and any run of unbounded characters is followed by something it cannot contain, so a
 * failed attempt gives back at most one token. A pattern leaves its own output alone (it
 * takes `***` for a value and puts back `***`); with mask.ts running the list again until
 * nothing changes, masking is idempotent: a record masked again on import or reindex
 * stays as it was.
 */

/** What a secret becomes. */
export const MASK = "***";

export interface SecretPattern {
  /** Stable name: the tests hold each pattern to its own cases by it. */
  name: string;
  /** Global; applied with String.prototype.replace. */
  regex: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

/** A shell word: quoted (the quotes kept around the mask) or bare. */
const WORD = String.raw`"[^"\n]*"|'[^'\n]*'|\S+`;

/** The mask in place of a value, keeping its quotes so the command keeps its shape. */
function hide(value: string): string {
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.length > 1 && value.endsWith(quote)) return `${quote}${MASK}${quote}`;
  return MASK;
}

function unquote(value: string): { quote: string; inner: string } {
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.length > 1 && value.endsWith(quote)) {
    return { quote, inner: value.slice(1, -1) };
  }
  return { quote: "", inner: value };
}

/**
 * Names of keys whose value is a secret, in env assignments, config files, JSON and YAML.
 * `pass` and `pwd` need a separator before them so BYPASS, COMPASS and the shell's PWD and
 * OLDPWD stay readable; `token` must end the key so `max_tokens` does too.
 */
const SECRET_KEY =
  "(?:(?:[A-Za-z0-9]+[_.-])*(?:[A-Za-z0-9]*pass(?:word|wd)|pass(?:phrase)?|sshpass|[A-Za-z0-9]*secret|secret[_-]?(?:access[_-]?)?key(?:[_-]?base)?|[A-Za-z0-9]*token|api[_-]?key|private[_-]?key)|(?:[A-Za-z0-9]+[_.-])+pwd)";

/**
 * The part of a command line that starts at one of `tools` and ends where the shell would
 * end that command (newline, `;`, `|`, `&`, a redirection). Options like `-p` mean a
 * password only for these tools (for mkdir, ssh, cp, docker run they do not), so the
 * option is looked for only inside this part. The group after it holds the redirection
 * character that ended it, if any.
 */
function commandOf(tools: string): RegExp {
  return new RegExp(String.raw`((?<![\w.-])(?:${tools})(?=[ \t])[^\n;|&<>]*)(?=([<>]?))`, "g");
}

/** A pattern masking `option`'s value (its second group) inside the commands of `tools`. */
function toolOption(name: string, tools: string, option: RegExp): SecretPattern {
  return {
    name,
    regex: commandOf(tools),
    replace: (_match, command = "") =>
      command.replace(option, (_m, prefix: string, value: string) => prefix + hide(value)),
  };
}

/** An option followed by its value, the value not another option (`-p --port` prompts). */
const spacedOption = (flag: string) => new RegExp(String.raw`([ \t]${flag}[ \t]*)(?!-)(${WORD})`, "g");

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    // First, so no later pattern sees part of a key. A key cut off by truncation has no
    // END line: everything after BEGIN goes. Inside a JSON string the lines are `\n` escapes.
    name: "private-key-block",
    regex:
      /(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)([\s\S]*?)(-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    replace: (_m, begin = "", body = "", end = "") => {
      const sep = body.startsWith("\\n") ? "\\n" : body.startsWith("\r\n") ? "\r\n" : "\n";
      return `${begin}${sep}${MASK}${end ? sep + end : ""}`;
    },
  },
  // Typed tokens keep their prefix: it says what kind of credential was there. They come
  // before the header patterns so a token right after `Authorization:` is not taken for its scheme.
  {
    name: "aws-access-key-id",
    regex: /(?<![A-Za-z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
    replace: (_m, prefix = "") => prefix + MASK,
  },
  {
    // Whatever separates it from its name: `=`, `:` or, in `aws configure set`, a space.
    name: "aws-secret-access-key",
    regex:
      /((?<![A-Za-z0-9])(?:aws_?)?secret_?access_?key["']?(?:[ \t]*[=:][ \t]*|[ \t]+)["']?)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/gi,
    replace: (_m, head = "") => head + MASK,
  },
  {
    name: "gcp-api-key",
    regex: /(?<![\w-])AIza[\w-]{35}(?![\w-])/g,
    replace: () => `AIza${MASK}`,
  },
  {
    // Classic 40-hex tokens are not here: they cannot be told from a git sha1.
    name: "github-token",
    regex: /(?<![A-Za-z0-9_])(gh[pousr]_|github_pat_)[A-Za-z0-9_]{30,255}(?![A-Za-z0-9_])/g,
    replace: (_m, prefix = "") => prefix + MASK,
  },
  {
    name: "slack-token",
    regex: /(?<![A-Za-z0-9])(xox[abeoprs]-)[A-Za-z0-9-]{10,255}/g,
    replace: (_m, prefix = "") => prefix + MASK,
  },
  {
    // header.payload.signature, the header base64 of `{"`; the signature is empty for alg none.
    name: "jwt",
    regex: /(?<![\w-])eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g,
    replace: () => MASK,
  },
  {
    // `"password": "…"`, a service account's `"private_key": "…"`, STS's `"SessionToken"`.
    name: "json-secret-field",
    regex: new RegExp(String.raw`("${SECRET_KEY}"[ \t]*:[ \t]*)("[^"\\\n]*(?:\\.[^"\\\n]*)*")`, "gi"),
    replace: (match, key = "", value = "") => (value === '""' ? match : `${key}"${MASK}"`),
  },
  {
    // A YAML or `describe` line; the whole rest of the line, since plain YAML values hold
    // spaces. `passwd:` is left out: it is how the passwd command starts its messages.
    name: "yaml-secret-line",
    regex: new RegExp(String.raw`^([ \t]*(?:-[ \t]+)?(?!passwd[ \t]*:)${SECRET_KEY}[ \t]*:[ \t]+)(\S[^\r\n]*)`, "gim"),
    replace: (match, key = "", value = "") => (/^(""|'')\s*$/.test(value) ? match : key + MASK),
  },
  {
    // Any scheme (Bearer, Basic, token, AWS4-HMAC-SHA256 …): the scheme stays, the credential goes.
    name: "authorization-header",
    regex: /(authorization["']?[ \t]*[:=][ \t]*["']?)(?:([A-Za-z][\w.-]*)([ \t]+))?([^\s"',;]+)/gi,
    replace: (_m, head = "", scheme = "", space = "") => `${head}${scheme}${space}${MASK}`,
  },
  {
    // A bearer token outside a header. Prose ("Bearer realm", "bearer token required")
    // stays: a token is long or has a digit.
    name: "bearer-token",
    regex: /(\bbearer[ \t]+)([A-Za-z0-9._~+/-]{8,}=*)/gi,
    replace: (match, head = "", token = "") => (token.length >= 20 || /\d/.test(token) ? head + MASK : match),
  },
  {
    // `X-Api-Key: …`, `X-Auth-Token: …`, `PRIVATE-TOKEN: …`. A one-word name needs more than
    // a colon (`invalid token: expired` is a message), so it must have a hyphen.
    name: "secret-header",
    regex: /(?<![\w-])((?:[A-Za-z0-9]+-)+(?:api-?key|token|secret|password)|api-?key)([ \t]*:[ \t]*)([^\s"',;]+)/gi,
    replace: (_m, name = "", colon = "") => name + colon + MASK,
  },
  {
    // `--password=…`, `--db-password …`, `--pass …`, `--token …`. Flags that only switch
    // a prompt or a source on (--no-password, --ask-pass, --with-token, --password-stdin,
    // --password-file) are not followed by a secret.
    name: "long-password-flag",
    regex: new RegExp(
      String.raw`(?<![\w-])(--(?!no-|ask-|with-)(?:[A-Za-z0-9]+-)*(?:pass(?:word|wd|phrase)?|token|secret|api-?key|secret-key)(?:=|[ \t]+))(?![-<>|&;])(${WORD})`,
      "gi",
    ),
    replace: (_m, flag = "", value = "") => flag + hide(value),
  },
  {
    // keytool's -storepass/-keypass, PuTTY's -pw, OpenSSL's -pass/-passin/-passout/-password.
    // OpenSSL's `env:`, `file:`, `fd:` and `stdin` name where the secret is, not the secret.
    name: "single-dash-password-option",
    regex: new RegExp(
      String.raw`(?<![\w-])(-(?:(?:src|dest)?(?:store|key)pass|pass(?:in|out|word)?|pw)[ \t]+)(?!-)(${WORD})`,
      "g",
    ),
    replace: (match, option = "", value = "") => {
      const { quote, inner } = unquote(value);
      if (/^(env|file|fd):|^stdin$/.test(inner)) return match;
      return inner.startsWith("pass:") ? `${option}${quote}pass:${MASK}${quote}` : option + hide(value);
    },
  },
  // mysql takes its password only attached (`-psecret`): `-p name` prompts and `name` is the database.
  toolOption(
    "mysql-p",
    "mysql(?:dump|admin|import|check|show|pump|slap|binlog)?|mariadb(?:-(?:dump|admin|import|check|show|slap|binlog))?",
    new RegExp(String.raw`([ \t]-p)(${WORD})`, "g"),
  ),
  {
    // sshpass's own options come before the command it runs; the `-p 22` of that ssh stays.
    name: "sshpass-p",
    regex: new RegExp(
      String.raw`(?<![\w.-])(sshpass(?:[ \t]+-[ve]|[ \t]+-[fdP][ \t]*\S+)*[ \t]+-p[ \t]*)(${WORD})`,
      "g",
    ),
    replace: (_m, head = "", value = "") => head + hide(value),
  },
  toolOption(
    "mongo-p",
    "mongo|mongosh|mongodump|mongorestore|mongoexport|mongoimport|mongostat|mongotop|mongofiles",
    spacedOption("-p"),
  ),
  toolOption("redis-cli-a", "redis-cli", spacedOption("-a")),
  toolOption("ldap-w", "ldap(?:search|add|modify|delete|passwd|whoami|modrdn|compare|exop)", spacedOption("-w")),
  toolOption("registry-login-p", String.raw`(?:docker|podman|nerdctl|buildah|skopeo)[ \t]+login`, spacedOption("-p")),
  {
    // curl -u/--user/-U user:password: the user stays. Without a colon curl prompts.
    name: "curl-user",
    regex: commandOf("curl"),
    replace: (_match, command = "") =>
      command.replace(
        new RegExp(String.raw`([ \t](?:-u|-U|--user|--proxy-user)(?:[ \t]+|=)?)(${WORD})`, "g"),
        (m, option: string, value: string) => {
          const { quote, inner } = unquote(value);
          const colon = inner.indexOf(":");
          if (colon < 0 || colon === inner.length - 1) return m;
          return `${option}${quote}${inner.slice(0, colon + 1)}${MASK}${quote}`;
        },
      ),
  },
  {
    // In batch mode (-b, often combined: -nb, -cbB) the password is the last argument.
    name: "htpasswd-batch",
    regex: commandOf("htpasswd"),
    replace: (_match, command = "", redirect = "") => {
      if (!/[ \t]-[A-Za-z]*b/.test(command)) return command;
      // In `… pass 2>/dev/null` the 2 belongs to the redirection, not to the arguments.
      const fd = redirect ? /[ \t]\d[ \t]*$/.exec(command) : null;
      const args = fd ? command.slice(0, fd.index) : command;
      const masked = args.replace(
        /([ \t])("[^"\n]*"|'[^'\n]*'|[^\s"'-]\S*)([ \t]*)$/,
        (_m, space: string, value: string, trail: string) => space + hide(value) + trail,
      );
      return masked + command.slice(args.length);
    },
  },
  {
    // `echo 'user:password' | chpasswd`, the usual way to set a password from a script.
    name: "chpasswd",
    regex: /(\becho[ \t]+(?:-[en]+[ \t]+)?(["']?)[^\s:"']+:)([^\s"']+)(\2[ \t]*\|[ \t]*(?:sudo[ \t]+)?chpasswd\b)/g,
    replace: (_m, head = "", _quote = "", _secret = "", tail = "") => head + MASK + tail,
  },
  {
    // PASSWORD=…, MYSQL_ROOT_PASSWORD=…, PGPASSWORD=…, ?token=…&, `password = …` in an ini
    // file. A value stops at `&`, `;` and `,` (query strings, mount options). `PASSWORD= cmd`
    // is an empty assignment in a shell, so a space after `=` counts only if one is before.
    name: "secret-assignment",
    regex: new RegExp(
      String.raw`(?<![\w.-])(${SECRET_KEY}(?:=|[ \t]+=[ \t]*)(?!=))("[^"\n]+"|'[^'\n]+'|["']?[^\s&;,"'<>]+)`,
      "gi",
    ),
    replace: (_m, key = "", value = "") => key + hide(value),
  },
  {
    // SQL run through mysql -e / psql -c: IDENTIFIED BY '…', PASSWORD '…', PASSWORD('…'),
    // SET PASSWORD FOR u = '…'. Something must separate the word from the quote (JSON's
    // `"password": null` has none), and `password for` needs its `=` (sudo's prompt has none).
    // An empty literal is no secret.
    name: "sql-password",
    regex:
      /(\b(?:identified[ \t]+(?:with[ \t]+\w+[ \t]+)?by[ \t]+|password[ \t]+for[ \t]+[^\s=]+[ \t]*=[ \t]*|password(?:[ \t]*[=(][ \t]*|[ \t]+)))('[^'\n]+'|"[^"\n]+")/gi,
    replace: (_m, head = "", value = "") => head + hide(value),
  },
  {
    // scheme://user:password@host: the password runs to the last @ before the path, as
    // hosts hold no @ and unescaped passwords sometimes do.
    name: "url-credentials",
    regex: /(?<![\w+.-])([a-z][\w+.-]{0,31}:\/\/[^\s:/?#@]{0,256}:)([^\s/?#]{1,256})@/gi,
    replace: (_m, head = "") => `${head}${MASK}@`,
  },
];
