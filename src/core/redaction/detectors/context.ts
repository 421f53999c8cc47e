// Context words around a candidate, the way Presidio's recognizers raise a score when "DOB",
// "MRN" or "NI number" sits next to the value. Windows are bounded so the cost stays linear.

/** The text within `before` characters before `start` and `after` characters after `end`. */
export function around(text: string, start: number, end: number, before = 60, after = 0): string {
  return text.slice(Math.max(0, start - before), start) + ' ' + text.slice(end, Math.min(text.length, end + after));
}

/** The sentence (bounded to 300 characters either side) holding [start, end). */
export function sentenceAround(text: string, start: number, end: number): { from: number; to: number } {
  let from = start;
  const minFrom = Math.max(0, start - 300);
  while (from > minFrom && !/[.!?\n]/.test(text[from - 1]) ) from--;
  let to = end;
  const maxTo = Math.min(text.length, end + 300);
  while (to < maxTo && !/[!?\n]/.test(text[to]) && !(text[to] === '.' && /\s/.test(text[to + 1] ?? ' '))) to++;
  return { from, to };
}

/** Words that say a value is an example, not somebody's data. */
export const EXAMPLE_CONTEXT = /\b(?:example|sample|e\.g\.|for instance|placeholder|dummy|fake|fictional|test (?:user|customer|data))\b/i;

/** Health words (clinical context) that make diagnoses, medications and record numbers likely. */
export const HEALTH_CONTEXT = /\b(?:patients?|pt|diagnos(?:is|ed|es)|dx|mrn|medical|clinical|chart|history|presents? with|admitted|prescribed|prescription|takes|taking|started on|continue|symptoms?|lab results|treatment|therapy|condition|allerg(?:y|ic)|hospital|clinic|dob|assessment|exacerbation)\b/i;
