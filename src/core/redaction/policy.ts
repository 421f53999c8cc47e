// The redaction policy: a JSON file (.agent-trace/redaction.json) versioned with the code.
// Any error makes the whole default apply (a half-understood policy could leak more than the user meant).

import { ALL_DETECTORS, type Detector, type Match } from './detectors';
import { DEFAULT_POLICY, type RedactionPolicy } from './defaults';
import { FINDING_CATEGORIES, type FindingCategory, type RedactionAction } from './types';

export { DEFAULT_POLICY, POLICY_FILE, policyFileTemplate, type RedactionPolicy } from './defaults';

const ACTIONS: readonly RedactionAction[] = ['mask', 'hash', 'drop', 'keep'];
const KNOWN_FIELDS = new Set(['$schema', '$comment', 'version', 'disable', 'actions', 'dropKeys', 'keepKeys', 'allow', 'minConfidence']);

/** Every name a policy may use to point at detectors. */
export function detectorNames(): Set<string> {
  const s = new Set<string>(FINDING_CATEGORIES);
  for (const d of ALL_DETECTORS) {
    s.add(d.id);
    s.add(d.ruleId);
    s.add(d.type);
  }
  return s;
}

function stringList(v: unknown, field: string, errors: string[]): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    errors.push(`"${field}" must be a list of strings`);
    return [];
  }
  return v as string[];
}

export function parsePolicy(text: string | null): { policy: RedactionPolicy; errors: string[] } {
  if (text === null || text.trim() === '') return { policy: DEFAULT_POLICY, errors: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { policy: DEFAULT_POLICY, errors: [`policy is not valid JSON (YAML is not supported): ${(e as Error).message}`] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { policy: DEFAULT_POLICY, errors: ['policy must be a JSON object'] };
  }
  const obj = raw as Record<string, unknown>;
  const errors: string[] = [];
  for (const k of Object.keys(obj)) if (!KNOWN_FIELDS.has(k)) errors.push(`unknown field "${k}"`);
  if (obj.$comment !== undefined && typeof obj.$comment !== 'string' && !(Array.isArray(obj.$comment) && obj.$comment.every((c) => typeof c === 'string'))) {
    errors.push('"$comment" must be a string or a list of strings');
  }
  if (obj.version !== undefined && obj.version !== 1) errors.push(`unsupported version ${JSON.stringify(obj.version)} (expected 1)`);
  const names = detectorNames();
  const disable = stringList(obj.disable, 'disable', errors);
  for (const n of disable) if (!names.has(n)) errors.push(`"disable": unknown detector, rule, type or category "${n}"`);
  const actions: Record<string, RedactionAction> = { ...DEFAULT_POLICY.actions };
  if (obj.actions !== undefined) {
    if (typeof obj.actions !== 'object' || obj.actions === null || Array.isArray(obj.actions)) {
      errors.push('"actions" must be an object such as {"secret": "mask", "email": "hash"}');
    } else {
      for (const [k, v] of Object.entries(obj.actions)) {
        if (!names.has(k)) errors.push(`"actions": unknown detector, rule, type or category "${k}"`);
        else if (!ACTIONS.includes(v as RedactionAction)) errors.push(`"actions.${k}": must be one of ${ACTIONS.join(', ')}`);
        else actions[k] = v as RedactionAction;
      }
    }
  }
  const dropKeys = stringList(obj.dropKeys, 'dropKeys', errors);
  const keepKeys = obj.keepKeys === undefined ? DEFAULT_POLICY.keepKeys : stringList(obj.keepKeys, 'keepKeys', errors);
  const allow = stringList(obj.allow, 'allow', errors);
  for (const a of allow) {
    const re = regexLiteral(a);
    if (re === 'invalid') errors.push(`"allow": invalid regular expression ${a}`);
  }
  const minConfidence: Record<string, number> = { ...DEFAULT_POLICY.minConfidence };
  if (obj.minConfidence !== undefined) {
    if (typeof obj.minConfidence !== 'object' || obj.minConfidence === null || Array.isArray(obj.minConfidence)) {
      errors.push('"minConfidence" must be an object such as {"person": 0.8}');
    } else {
      for (const [k, v] of Object.entries(obj.minConfidence)) {
        if (!names.has(k)) errors.push(`"minConfidence": unknown detector, rule, type or category "${k}"`);
        else if (typeof v !== 'number' || !(v >= 0 && v <= 1)) errors.push(`"minConfidence.${k}": must be a number from 0 to 1`);
        else minConfidence[k] = v;
      }
    }
  }
  if (errors.length) return { policy: DEFAULT_POLICY, errors };
  return { policy: { version: 1, disable, actions, dropKeys, keepKeys, allow, minConfidence }, errors: [] };
}

/** "/re/flags" → RegExp; other strings → null (exact match); broken regex → 'invalid'. */
export function regexLiteral(s: string): RegExp | null | 'invalid' {
  const m = /^\/(.+)\/([a-z]*)$/s.exec(s);
  if (!m) return null;
  try {
    return new RegExp(m[1], m[2].replace(/[gy]/g, ''));
  } catch {
    return 'invalid';
  }
}

/** Glob (`*`, `?`) → anchored regex source, RE2-compatible. */
export function globToRegexSource(glob: string): string {
  let out = '';
  for (const ch of glob) {
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else out += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return '^' + out + '$';
}

/** The policy prepared for fast repeated use. */
export interface CompiledPolicy {
  policy: RedactionPolicy;
  detectors: Detector[];
  actionFor(d: Detector): RedactionAction;
  isDropKey(key: string): boolean;
  isKeepKey(key: string): boolean;
  isAllowed(value: string): boolean;
  /** False when the match is allow-listed or below the policy's minimum confidence for its detector. */
  reports(m: Match): boolean;
}

const compiledCache = new WeakMap<RedactionPolicy, CompiledPolicy>();

export function compilePolicy(policy: RedactionPolicy): CompiledPolicy {
  const hit = compiledCache.get(policy);
  if (hit) return hit;
  const off = new Set(policy.disable);
  const detectors = ALL_DETECTORS.filter((d) => !off.has(d.id) && !off.has(d.ruleId) && !off.has(d.type) && !off.has(d.category));
  const keyMatcher = (globs: string[]): ((k: string) => boolean) => {
    if (!globs.length) return () => false;
    const re = new RegExp(globs.map((g) => '(?:' + globToRegexSource(g) + ')').join('|'));
    const memo = new Map<string, boolean>();
    return (k) => {
      let v = memo.get(k);
      if (v === undefined) {
        v = re.test(k);
        if (memo.size < 10_000) memo.set(k, v);
      }
      return v;
    };
  };
  const exact = new Set<string>();
  const regexes: RegExp[] = [];
  for (const a of policy.allow) {
    const re = regexLiteral(a);
    if (re === null) exact.add(a);
    else if (re !== 'invalid') regexes.push(re);
  }
  const a = policy.actions;
  const mc = policy.minConfidence ?? {};
  const minFor = (d: Detector): number => mc[d.id] ?? mc[d.ruleId] ?? mc[d.type] ?? mc[d.category] ?? 0;
  const isAllowed = (v: string): boolean => exact.has(v) || regexes.some((r) => r.test(v));
  const compiled: CompiledPolicy = {
    policy,
    detectors,
    actionFor: (d) => a[d.id] ?? a[d.ruleId] ?? a[d.type] ?? a[d.category as FindingCategory] ?? 'mask',
    isDropKey: keyMatcher(policy.dropKeys),
    isKeepKey: keyMatcher(policy.keepKeys),
    isAllowed,
    reports: (m) => m.confidence >= minFor(m.detector) && !isAllowed(m.value),
  };
  compiledCache.set(policy, compiled);
  return compiled;
}
