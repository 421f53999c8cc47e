// User patterns in checks (final-answer regexes, argument matchers) run on span content, which is
// untrusted. JavaScript's regex engine backtracks, so a pattern that could backtrack without
// bound is refused when the file is read (safe-regex2, as the sampling simulator does), and the
// text a pattern sees is capped, so one check costs a bounded time on any trace.
import safeRegex from 'safe-regex2';

/** A pattern longer than this is refused (safe-regex2's own screening is made for short patterns). */
export const MAX_PATTERN_LENGTH = 1_000;
/** Text a pattern or substring test sees at most (a final answer or an argument value). */
export const MAX_TESTED_CHARS = 200_000;

/** The RegExp for a user's pattern, or the reason it is refused. */
export function compileUserPattern(source: string, ignoreCase: boolean): RegExp | string {
  if (source.length > MAX_PATTERN_LENGTH) return `the pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  let re: RegExp;
  try {
    // regex-audit: user pattern, screened at run time (safeRegex below; refused when unsafe)
    re = new RegExp(source, ignoreCase ? 'i' : '');
  } catch (err) {
    return `invalid regular expression: ${(err as Error).message}`;
  }
  if (!safeRegex(re)) return `the pattern /${source}/ could backtrack without bound on long text (nested or overlapping repetition): simplify it`;
  return re;
}

/** The part of a text a test sees. */
export const tested = (text: string): string => (text.length > MAX_TESTED_CHARS ? text.slice(0, MAX_TESTED_CHARS) : text);
