import { stripSequences } from '../core/text.js';

/**
 * Heuristics for text that tries to steer the agent reading it (message bodies, task
 * titles, descriptions and comments). A finding does not block anything (the text may be
 * quoted innocently); it flags the text so readers see a warning and the audit log
 * records it.
 *
 * The patterns match a normalised copy of the text (see normaliseForScan), so that a
 * zero-width space, a soft hyphen, a Cyrillic look-alike, an escape sequence, a line
 * break or markdown emphasis inside the words does not hide them.
 *
 * What counts: an instruction to drop the reader's instructions needs an object that is
 * instructions ("ignore the previous instructions", "disregard your rules"); "please
 * ignore the previous build output" is ordinary work talk and is not flagged.
 */
export type InjectionFinding = 'ignore_instructions' | 'fake_header' | 'invisible_unicode';

const DROP = String.raw`(?:ignore|disregard|forget|override|overrule|bypass|abandon|neglect|set aside|throw out|pay no (?:attention|heed|mind) to|(?:do not|don't|dont|stop|no longer|never) (?:follow(?:ing)?|obey(?:ing)?|heed(?:ing)?|listen(?:ing)? to))`;
const OBJECT = String.raw`(?:instructions?|prompts?|rules|directives?|guidelines|guidance|directions|system prompt|programming|constraints|restrictions|safeguards)`;
// Which instructions: "the" alone is not enough ("ignore the lint rules for generated files").
const WHICH = String.raw`(?:previous|prior|above|earlier|preceding|former|original|initial|all|any|every|your|system|these|those)`;

const IGNORE = new RegExp(String.raw`\b${DROP}\b[^.!?]{0,40}?\b${WHICH}\b[^.!?]{0,30}?\b${OBJECT}\b`, 'i');
// "Ignore the instructions you were given", "forget everything above".
const IGNORE_GIVEN = new RegExp(
  String.raw`\b${DROP} (?:all of |all )?(?:the ${OBJECT} |everything |anything |whatever |all |what )(?:(?:that )?you (?:were|have been|'ve been|got) (?:told|given|instructed)|(?:written |said |stated )?(?:above|before|so far|previously|earlier))`,
  'i',
);
const NEW_INSTRUCTIONS = /\b(?:new|updated|real|actual|revised|true) (?:system )?(?:instructions|rules|directives|orders)\s*:/i;
const NOW_YOU_ARE =
  /\b(?:from now on|starting now|henceforth),? you (?:are|will|must|shall)\b|\byou are now (?:in )?(?:dan|developer mode|jailbroken|unrestricted|an? (?:unrestricted|unfiltered|new) )/i;
const REVEAL =
  /\b(?:reveal|print|show|output|repeat|leak|dump) (?:me )?(?:your|the) (?:full |entire |hidden |original )?(?:system prompt|hidden instructions|initial instructions)\b/i;

// A line that pretends to be a role or tool boundary of a chat transcript.
const FAKE_HEADER =
  /^\s*(?:#{1,6}\s*)?(?:\[\/?(?:system|inst|tool|assistant)\]|<\/?(?:system|tool_result|tool_use|function_calls?|function_results?|assistant|user|instructions)\b[^>]*>|<\|(?:im_start|im_end|system|endoftext)\|>|<<\/?SYS>>|(?:system|assistant|human|developer|tool(?: result)?|system (?:message|prompt|note|override))\s*:)/im;

// Always suspect: tag characters (invisible ASCII), bidi controls and marks, zero-width
// space, word joiner and invisible operators, escape sequences and other control characters.
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u{E0000}-\u{E007F}\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u200B\u2060-\u2064\u180E\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|.\uFEFF/su;
// Joiners and the soft hyphen have honest uses (emoji sequences, Persian, hyphenation
// hints), but not between two Latin letters of an English word.
// eslint-disable-next-line no-misleading-character-class -- each joiner is listed alone, to be found
const IN_WORD = /[A-Za-z][\u200C\u200D\u00AD\u034F]+[A-Za-z]/u;

// Removed before matching: the invisible characters above plus joiners, soft hyphen, CGJ, BOM.
// eslint-disable-next-line no-control-regex, no-misleading-character-class -- what an agent must not hide
const STRIP = /[\u{E0000}-\u{E007F}\u202A-\u202E\u2066-\u2069\u200B-\u200F\u061C\u2060-\u2064\u180E\uFEFF\u00AD\u034F\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/gu;

// Cyrillic and Greek letters that look like Latin ones (after NFKC; lower and upper case).
const CONFUSABLE: Record<string, string> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  һ: 'h',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ӏ: 'l',
  ɡ: 'g',
  ո: 'n',
  ս: 'u',
  А: 'A',
  В: 'B',
  Е: 'E',
  Ё: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  У: 'Y',
  Х: 'X',
  Ѕ: 'S',
  І: 'I',
  Ї: 'I',
  Ј: 'J',
  Һ: 'H',
  Ԁ: 'D',
  Ԛ: 'Q',
  Ԝ: 'W',
  Ӏ: 'I',
  α: 'a',
  β: 'b',
  γ: 'y',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
};
const CONFUSABLES = new RegExp(`[${Object.keys(CONFUSABLE).join('')}]`, 'gu');

/**
 * The text as the patterns see it: escape sequences and invisible characters removed,
 * NFKC (fullwidth letters and colons become ASCII), Cyrillic and Greek look-alikes
 * mapped to Latin, markdown emphasis and quote markers dropped, runs of blanks made one
 * space. Line breaks stay, since a fake header is a line of its own.
 */
export function normaliseForScan(text: string): string {
  let t = stripSequences(text).replace(/\r\n?/g, '\n').replace(STRIP, '');
  t = t.normalize('NFKC').replace(CONFUSABLES, (c) => CONFUSABLE[c]!);
  t = t
    .replace(/(\*{1,3}|~~|`+)(?=\S)([^\n]*?\S)\1/g, '$2') // **System**:, `ignore`
    .replace(/(?<![\p{L}\p{N}])(_{1,3})(?=\S)([^\n]*?\S)\1(?![\p{L}\p{N}])/gu, '$2') // _ignore_, not tool_result
    .replace(/^[ \t]*(?:>[ \t]*)+/gm, '') // > quoted lines
    .replace(/[*`~]/g, '')
    .replace(/[ \t\u00A0]+/g, ' ');
  return t;
}

export function detectInjection(text: string): InjectionFinding[] {
  const found: InjectionFinding[] = [];
  const lines = normaliseForScan(text);
  // Words of one sentence may be split over lines: the instruction patterns see one line.
  const flat = lines.replace(/\s*\n\s*/g, ' ');
  if (IGNORE.test(flat) || IGNORE_GIVEN.test(flat) || NEW_INSTRUCTIONS.test(flat) || NOW_YOU_ARE.test(flat) || REVEAL.test(flat)) found.push('ignore_instructions');
  if (FAKE_HEADER.test(lines)) found.push('fake_header');
  if (INVISIBLE.test(text) || IN_WORD.test(text)) found.push('invisible_unicode');
  return found;
}
