// Reads the tail_sampling processors of an OTel Collector configuration, keeping each
// policy's line so every message points at the place to fix.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import type { ConfigProblem, PolicySpec, TailSamplingSpec } from './types';

/** Policy types the simulator evaluates (the rest are listed as "not simulated"). */
export const SIMULATED_TYPES = [
  'always_sample', 'latency', 'status_code', 'numeric_attribute', 'string_attribute', 'boolean_attribute',
  'probabilistic', 'span_count', 'trace_state', 'and', 'drop', 'ottl_condition',
  'composite', 'rate_limiting', 'bytes_limiting',
] as const;

/** Where a combining policy keeps its children (tailsamplingprocessor config.go). */
const SUB_POLICY_KEY: Record<string, string> = { and: 'and_sub_policy', drop: 'drop_sub_policy', composite: 'composite_sub_policy' };

export interface ParsedCollectorConfig {
  processors: TailSamplingSpec[];
  /** Problems that stop a simulation (invalid YAML, no policies). */
  errors: ConfigProblem[];
  /** Things simulated partly or not at all (unknown policy types). */
  warnings: ConfigProblem[];
}

const TAIL_SAMPLING_ID = /^tail_sampling(\/.+)?$/;

export function parseCollectorConfig(text: string): ParsedCollectorConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const lineOf = (node: Node | null | undefined): number => (node?.range ? lines.linePos(node.range[0]).line : 1);
  const result: ParsedCollectorConfig = { processors: [], errors: [], warnings: [] };
  if (doc.errors.length) {
    for (const e of doc.errors) result.errors.push({ line: lines.linePos(e.pos[0]).line, message: `invalid YAML: ${e.message.split('\n')[0]}` });
    return result;
  }
  const processors = isMap(doc.contents) ? doc.contents.get('processors', true) : undefined;
  if (isMap(processors)) {
    for (const pair of processors.items) {
      const id = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!TAIL_SAMPLING_ID.test(id)) continue;
      const line = lineOf(pair.key as Node);
      const body = pair.value;
      const policiesNode = isMap(body) ? body.get('policies', true) : undefined;
      if (!isSeq(policiesNode) || policiesNode.items.length === 0) {
        result.errors.push({ line, message: `processor "${id}" has no policies: add a "policies:" list` });
        continue;
      }
      const sampleOnFirstMatch = isMap(body) && body.get('sample_on_first_match') === true;
      result.processors.push({ id, line, policies: readPolicies(policiesNode.items as Node[], lineOf, result), sampleOnFirstMatch });
    }
  }
  if (!result.processors.length && !result.errors.length) {
    result.errors.push({ line: lineOf(processors as Node | undefined), message: 'no tail_sampling processor found under "processors:" (expected tail_sampling or tail_sampling/<name>)' });
  }
  return result;
}

function readPolicies(items: Node[], lineOf: (n: Node | null | undefined) => number, result: ParsedCollectorConfig): PolicySpec[] {
  const policies: PolicySpec[] = [];
  items.forEach((item, i) => {
    const line = lineOf(item);
    if (!isMap(item)) {
      result.errors.push({ line, message: `policy #${i + 1} is not a map with "name" and "type"` });
      return;
    }
    const map = item as YAMLMap;
    const type = String(map.get('type') ?? '');
    const name = String(map.get('name') ?? `policy-${i + 1}`);
    if (!type) {
      result.errors.push({ line, message: `policy "${name}" has no "type"` });
      return;
    }
    const block = map.get(type, true);
    const config = (isMap(block) ? block.toJSON() : {}) as Record<string, unknown>;
    const spec: PolicySpec = { name, type, config, line, subPolicies: [] };
    const subKey = SUB_POLICY_KEY[type];
    if (subKey) {
      const subs = isMap(block) ? block.get(subKey, true) : undefined;
      if (isSeq(subs)) spec.subPolicies = readPolicies(subs.items as Node[], lineOf, result);
      else result.errors.push({ line, message: `policy "${name}" (${type}) needs "${type}: { ${subKey}: [...] }"` });
    }
    if (!(SIMULATED_TYPES as readonly string[]).includes(type)) {
      result.warnings.push({ line, message: `policy "${name}" has type "${type}", which is not simulated: it is never counted as keeping a trace` });
    }
    policies.push(spec);
  });
  return policies;
}
