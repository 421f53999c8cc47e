// Logfire (pydantic/logfire) spans and logs. Logfire names a span by its message template
// (`fetch forecast for {city}`) and records, as attributes (logfire/_internal/constants.py):
//   logfire.msg_template  the template; logfire.msg  the formatted message (the name to show)
//   logfire.span_type     'span' | 'log' (a log record sent as a zero-length span) | 'pending_span'
//                         (a placeholder child sent while a long span is still open)
//   logfire.level_num     trace 1, debug 5, info 9, notice 10, warn 13, error 17, fatal 21
//   logfire.json_schema   JSON schema of the other attributes: `object`/`array` ones were sent
//                         as JSON text and are decoded here for typed rendering
//   logfire.null_args     names of arguments that were None (OTel has no null attribute)
// A record at error level or above whose span is not failed (e.g. `logfire.error(...)`) gets an
// error entry, so the step shows it; the span status, and so the trace's error count, is left
// as the SDK sent it.
import type { AttrValue, Attributes } from '../model';
import { isObj, json, num, str } from './attrs';
import type { ConventionReader, Extraction } from './types';

const LEVEL_NAMES: Array<[number, string]> = [[21, 'fatal'], [17, 'error'], [13, 'warn'], [10, 'notice'], [9, 'info'], [5, 'debug'], [1, 'trace']];
const ERROR_LEVEL = 17;

/** The name of a Logfire level number (the highest named level at or below it). */
export function logfireLevelName(n: number): string {
  for (const [at, name] of LEVEL_NAMES) if (n >= at) return name;
  return 'trace';
}

// Attributes that are Logfire's or the GenAI conventions' own, not the function's arguments.
const isOwnKey = (k: string) => k.startsWith('logfire.') || k.startsWith('code.') || k.startsWith('gen_ai.') || k.startsWith('exception.');

/** The instrumented function's arguments, each decoded as its JSON schema says. */
export function typedArguments(a: Attributes): Record<string, AttrValue> | null {
  const schema = json(a['logfire.json_schema']);
  if (!isObj(schema) || !isObj(schema.properties)) return null;
  const out: Record<string, AttrValue> = {};
  for (const [key, prop] of Object.entries(schema.properties)) {
    if (isOwnKey(key) || !(key in a)) continue;
    const type = isObj(prop) && typeof prop.type === 'string' ? prop.type : null;
    const v = a[key];
    out[key] = (type === 'object' || type === 'array') && typeof v === 'string' ? (json(v) ?? v) : v;
  }
  const nulls = json(a['logfire.null_args']);
  if (Array.isArray(nulls)) for (const k of nulls) if (typeof k === 'string' && !isOwnKey(k)) out[k] = null;
  return Object.keys(out).length ? out : null;
}

export const logfire: ConventionReader = {
  convention: 'logfire',
  detect: (span) => {
    const a = span.attributes;
    return a['logfire.msg'] !== undefined || a['logfire.msg_template'] !== undefined || a['logfire.span_type'] !== undefined ||
      a['logfire.level_num'] !== undefined || span.scope.name === 'logfire';
  },
  extract(span) {
    const a = span.attributes;
    const x: Extraction = { convention: 'logfire' };
    // Only a span named by its template is renamed (Logfire's own spans and logs); other
    // libraries that set logfire.msg (pydantic-ai's tool spans) keep their conventional names.
    const msg = str(a, 'logfire.msg');
    const template = str(a, 'logfire.msg_template');
    if (msg && template && (span.name === template || span.name === `${template} (pending)`)) {
      x.displayName = span.name === template ? msg : `${msg} (pending)`;
    }
    const type = str(a, 'logfire.span_type');
    if (type === 'log' || type === 'pending_span') x.operation = type;
    const level = num(a, 'logfire.level_num');
    if (level !== null) {
      x.level = logfireLevelName(level);
      if (level >= ERROR_LEVEL && span.status.code !== 'error') {
        x.error = { type: `logfire level ${x.level}`, message: msg ?? span.name, stacktrace: null };
      }
    }
    const args = typedArguments(a);
    if (args) x.arguments = args;
    return x;
  },
};
