/**
 * @module Every regex the history ships (the vocabulary's, compiled as the analyzer
 * compiles them, and the secret patterns), and texts to hold them to: the masking cases,
 * random mixes of secrets, the operation samples, each as it is, upper-cased and with its
 * letters' cases mixed.
 */
import { SECRET_PATTERNS } from "../history/mask.js";
import { type PatternSpec, vocabularyData } from "../history/vocabulary.js";
import { NEGATIVE, ORDINARY_TEXT, POSITIVE, secretMixes } from "./mask-cases.js";
import { DMESG_OOM, dfH, FAILED_NGINX_UNIT } from "./operation-samples.js";

function regexSources(spec: PatternSpec): string[] {
  if (typeof spec === "string") return [spec];
  if ("all" in spec) return spec.all.flatMap(regexSources);
  return ["command" in spec ? spec.command : spec.output];
}

export const SHIPPED: RegExp[] = [
  ...vocabularyData.concepts.flatMap((c) => c.text.flatMap(regexSources)).map((s) => new RegExp(s, "im")),
  // Without `g`: `test` then starts at 0 every time.
  ...SECRET_PATTERNS.map((p) => new RegExp(p.regex.source, p.regex.flags.replace("g", ""))),
];

/** The text, upper-cased, and with its letters' cases mixed (seeded). */
export function caseVariants(text: string, seed: number): string[] {
  let state = seed;
  const mixed = [...text]
    .map((ch) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % 2 ? ch.toUpperCase() : ch.toLowerCase();
    })
    .join("");
  return [text, text.toUpperCase(), mixed];
}

export const TEXTS: string[] = [
  ...POSITIVE.flatMap(([, input, masked]) => [input, masked]),
  ...NEGATIVE.map(([, input]) => input),
  ...secretMixes(300),
  ORDINARY_TEXT,
  DMESG_OOM,
  dfH(97),
  dfH(100),
  FAILED_NGINX_UNIT,
  // Characters whose case mapping leaves ASCII or enters it: İ, the Kelvin sign, the long s.
  "Échec du démarrage de nginx.service\nAucun espace disponible sur le périphérique\nİSTANBUL \u212A ſ",
].flatMap((text, i) => caseVariants(text, i + 1));
