// A documented subset of OTTL conditions, enough for the tail_sampling `ottl_condition` policy
// on stored spans. Anything outside it is refused with a message (the policy is then listed as
// "not simulated"), never guessed.
//
// Subset:
//   condition  := or ;  or := and ("or" and)* ;  and := not ("and" not)* ;  not := "not" not | primary
//   primary    := "(" condition ")" | operand (op operand)?      op: == != < <= > >=
//   operand    := "string" | number | true | false | nil | STATUS_CODE_* | SPAN_KIND_* | path
//   path (span):      [span.]name, [span.]kind, [span.]status.code, [span.]attributes["k"],
//                     resource.attributes["k"]
//   path (spanevent): name, attributes["k"] (the event's), span.name, span.attributes["k"], …
// Functions (IsMatch, Len, …) and other paths are outside the subset.
import type { AttrValue, Attributes } from '../model';
import type { SamplingSpan } from './types';

export interface OttlContext {
  span: SamplingSpan;
  event?: { name: string; attributes: Attributes };
}

type Value = AttrValue | undefined;
export type OttlCondition = (ctx: OttlContext) => boolean;

const ENUMS: Record<string, number> = {
  STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2,
  SPAN_KIND_UNSPECIFIED: 0, SPAN_KIND_INTERNAL: 1, SPAN_KIND_SERVER: 2, SPAN_KIND_CLIENT: 3, SPAN_KIND_PRODUCER: 4, SPAN_KIND_CONSUMER: 5,
};
const STATUS_NUMBER = { unset: 0, ok: 1, error: 2 } as const;
const KIND_NUMBER = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

const TOKEN = /\s*(?:("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|(==|!=|<=|>=|<|>|\(|\)|\[|\]|\.|,)|([A-Za-z_][A-Za-z0-9_]*))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`unexpected "${text.slice(at).trim().slice(0, 20)}"`);
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
    at = TOKEN.lastIndex;
  }
  return tokens;
}

type Operand = (ctx: OttlContext) => Value;

export function compileOttl(text: string, context: 'span' | 'spanevent'): OttlCondition {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const take = (expected?: string): string => {
    const t = tokens[i++];
    if (t === undefined || (expected !== undefined && t !== expected)) throw new Error(`expected ${expected ?? 'more'} in "${text}"`);
    return t;
  };

  const attributesPath = (pick: (ctx: OttlContext) => Attributes | undefined): Operand => {
    take('[');
    const key = take();
    if (!key.startsWith('"')) throw new Error(`attribute keys must be quoted strings in "${text}"`);
    take(']');
    const k = JSON.parse(key) as string;
    return (ctx) => pick(ctx)?.[k];
  };

  const spanPath = (first: string): Operand => {
    if (first === 'name') return (ctx) => ctx.span.name;
    if (first === 'kind') return (ctx) => KIND_NUMBER[ctx.span.kind];
    if (first === 'status') {
      take('.');
      take('code');
      return (ctx) => STATUS_NUMBER[ctx.span.status];
    }
    if (first === 'attributes') return attributesPath((ctx) => ctx.span.attributes);
    throw new Error(`path "${first}" is outside the supported OTTL subset`);
  };

  const path = (first: string): Operand => {
    if (first === 'resource') {
      take('.');
      take('attributes');
      return attributesPath((ctx) => ctx.span.resource);
    }
    if (first === 'span') {
      take('.');
      return spanPath(take());
    }
    if (context === 'spanevent') {
      if (first === 'name') return (ctx) => ctx.event?.name;
      if (first === 'attributes') return attributesPath((ctx) => ctx.event?.attributes);
      throw new Error(`path "${first}" is outside the supported OTTL subset`);
    }
    return spanPath(first);
  };

  const operand = (): Operand => {
    const t = take();
    if (t.startsWith('"')) {
      const s = JSON.parse(t) as string;
      return () => s;
    }
    if (/^-?\d/.test(t)) {
      const n = Number(t);
      return () => n;
    }
    if (t === 'true' || t === 'false') return () => t === 'true';
    if (t === 'nil') return () => undefined;
    if (t in ENUMS) return () => ENUMS[t];
    if (peek() === '(') throw new Error(`function "${t}" is outside the supported OTTL subset`);
    return path(t);
  };

  const compare = (op: string, a: Value, b: Value): boolean => {
    const na = a === null ? undefined : a;
    const nb = b === null ? undefined : b;
    if (op === '==') return na === nb;
    if (op === '!=') return na !== nb;
    if (typeof na === 'number' && typeof nb === 'number') {
      return op === '<' ? na < nb : op === '<=' ? na <= nb : op === '>' ? na > nb : na >= nb;
    }
    if (typeof na === 'string' && typeof nb === 'string') {
      return op === '<' ? na < nb : op === '<=' ? na <= nb : op === '>' ? na > nb : na >= nb;
    }
    return false; // OTTL: ordering across types or with nil is false
  };

  const primary = (): OttlCondition => {
    if (peek() === '(') {
      take('(');
      const inner = or();
      take(')');
      return inner;
    }
    const left = operand();
    const op = peek();
    if (op && ['==', '!=', '<', '<=', '>', '>='].includes(op)) {
      take();
      const right = operand();
      return (ctx) => compare(op, left(ctx), right(ctx));
    }
    return (ctx) => left(ctx) === true;
  };
  const not = (): OttlCondition => {
    if (peek() === 'not') {
      take();
      const inner = not();
      return (ctx) => !inner(ctx);
    }
    return primary();
  };
  const and = (): OttlCondition => {
    const parts = [not()];
    while (peek() === 'and') {
      take();
      parts.push(not());
    }
    return (ctx) => parts.every((p) => p(ctx));
  };
  function or(): OttlCondition {
    const parts = [and()];
    while (peek() === 'or') {
      take();
      parts.push(and());
    }
    return (ctx) => parts.some((p) => p(ctx));
  }

  const condition = or();
  if (i !== tokens.length) throw new Error(`unexpected "${tokens[i]}" in "${text}"`);
  return condition;
}
