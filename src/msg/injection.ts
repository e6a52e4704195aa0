/**
 * Heuristics for message bodies that try to steer the agent reading them. A finding
 * does not block delivery (the text may be quoted innocently); it flags the message so
 * readers see a warning and the audit log records it.
 */
export type InjectionFinding = 'ignore_instructions' | 'fake_header' | 'invisible_unicode';

const IGNORE =
  /\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|preceding|all|your|the)\b[^.\n]{0,30}\b(instructions?|prompts?|rules|directives|guidelines|context|system prompt)\b/i;
const NEW_INSTRUCTIONS = /\b(new|updated) (system )?instructions\s*:/i;

// A line that pretends to be a role or tool boundary of a chat transcript.
const FAKE_HEADER =
  /^\s*(?:#{1,6}\s*)?(?:\[\/?(?:system|inst|tool|assistant)\]|<\/?(?:system|tool_result|tool_use|function_calls?|function_results?|assistant|user|instructions)\b[^>]*>|<\|(?:im_start|im_end|system|endoftext)\|>|<<\/?SYS>>|(?:system|assistant|human|tool(?: result)?)\s*:)/im;

// Unicode tag characters (U+E0000–U+E007F) carry invisible ASCII; bidi controls reorder what is shown.
const INVISIBLE = /[\u{E0000}-\u{E007F}\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;

export function detectInjection(text: string): InjectionFinding[] {
  const found: InjectionFinding[] = [];
  if (IGNORE.test(text) || NEW_INSTRUCTIONS.test(text)) found.push('ignore_instructions');
  if (FAKE_HEADER.test(text)) found.push('fake_header');
  if (INVISIBLE.test(text)) found.push('invisible_unicode');
  return found;
}

/** Makes invisible characters visible for display (never changes what is stored). */
export function revealInvisible(text: string): string {
  return text.replace(/[\u{E0000}-\u{E007F}\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/gu, (c) =>
    `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`,
  );
}
