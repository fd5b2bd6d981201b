import { describe, expect, it } from "vitest";
import { SHIPPED, TEXTS } from "../testing/shipped-regexes.js";
import { requiredLiterals } from "./required-literals.js";

describe("requiredLiterals", () => {
  it.each([
    [/Permission denied/im, [["permission denied"]]],
    [/\boom-kill(er)?:/im, [["oom-killer:", "oom-kill:"]]],
    [/[Ss]yntax error/im, [["syntax error"]]],
    [/\b(error|errors|failed|fatal)\b/im, [["error", "failed", "fatal"]]],
    [/(^|[|;&]\s{0,4})ps\s{1,4}-?\w{1,6}/im, [["ps"]]],
    [/Échec du démarrage/im, [["chec du d"], ["marrage"]]],
    [/\d{1,5} upgraded, \d{1,5} newly installed/im, [[" newly installed"], [" upgraded, "]]],
    [/\s(9[5-9]|100)%\s{1,8}\//im, [["95%", "96%", "97%", "98%", "99%", "100%"], ["/"]]],
    [/(?<![\w-])AIza[\w-]{35}(?![\w-])/g, [["aiza"]]],
    [/(gh[pousr]_|github_pat_)[A-Za-z0-9_]{30,255}/g, [["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"]]],
    [/api[_-]?key/i, [["api_key", "api-key", "apikey"]]],
    [/pass(?:word|wd)|pass(?:phrase)?/i, [["pass"]]],
    [/(?:docker|podman)[ \t]+login/, [["docker ", "docker\t", "podman ", "podman\t"], ["login"]]],
    [/foo(?=barbaz)/, [["foo"]]],
    [/(?:ab)+c/, [["ab"], ["c"]]],
    [/(?<name>abc)d/, [["abcd"]]],
    [/(ab)?cd/, [["cd"]]],
    [/xy*z/, [["x"], ["z"]]],
    [/x{2}yz/, [["yz"], ["x"]]],
    [/xy{1}z/, [["xyz"]]],
    [/ab{/, [["ab{"]]],
    [/a\\db/, [["a\\db"]]],
    [/[\]a]bc/, [["]bc", "abc"]]],
    [/a\nb\tc/, [["a\nb\tc"]]],
    [/abc|de/, [["abc", "de"]]],
    [/(["'])x\1/, [['"x', "'x"]]],
  ])("%s needs %j", (re, literals) => {
    expect(requiredLiterals(re)).toEqual(literals);
  });

  it.each([
    /(a|)/,
    /a?|bc/,
    /\w+/,
    /[a-z]/,
    /[^abc]/,
    /(?=abc)/,
    /\x41bc/,
    /[\b]/,
    /abc/u,
    /\p{L}bc/u,
  ])("%s promises nothing", (re) => {
    expect(requiredLiterals(re)).toEqual([]);
  });
});

describe("the shipped regexes' literals", () => {
  it("give every shipped regex a pre-check", () => {
    expect(SHIPPED.filter((re) => requiredLiterals(re).length === 0).map((re) => re.source)).toEqual([]);
  });

  it("are in every text a shipped regex matches, whatever the case", () => {
    const missed: string[] = [];
    for (const re of SHIPPED) {
      const needs = requiredLiterals(re);
      for (const text of TEXTS) {
        if (!re.test(text)) continue;
        const lowered = text.toLowerCase();
        if (!needs.every((anyOf) => anyOf.some((l) => lowered.includes(l)))) missed.push(`${re} on ${text}`);
      }
    }
    expect(missed).toEqual([]);
  });
});
