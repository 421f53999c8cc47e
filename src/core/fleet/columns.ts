// The runs of a batch as columns (issue 11's speed target: aggregates over 100,000 runs answer
// in < 300 ms). Index i is one run in every column. Numbers sit in typed arrays (NaN where a
// run has no value); what runs share (their agent/tool/model memberships, their check
// outcomes, the group attribute's value) is stored once per distinct value and referenced by a
// small integer per run, so grouping looks a run's groups up by number, never by string. Text
// a view shows of a few runs (trace ids, names) is read on demand.
import type { FleetRun } from './types';

export type CheckOutcome = 'pass' | 'fail' | 'error';

/** What runs share: one agent/tool/model membership of a run (runs of one agent mostly share a few). */
export interface MemberSet {
  agents: readonly string[];
  models: readonly string[];
  /** Tool name → calls in the run. */
  tools: ReadonlyMap<string, number>;
}

export interface FleetColumns {
  readonly length: number;
  traceIdOf(i: number): string;
  /** The recorded name (the server puts titles on the few runs it shows). */
  nameOf(i: number): string;
  readonly startMs: Float64Array;
  readonly durationMs: Float64Array;
  /** Input + output tokens; NaN when neither was reported. */
  readonly totalTokens: Float64Array;
  /** NaN when unknown (never $0). */
  readonly costUsd: Float64Array;
  readonly llmCalls: Float64Array;
  readonly toolCalls: Float64Array;
  readonly errorCount: Float64Array;
  /** Per run, an index into memberSets. */
  readonly memberSet: Uint32Array;
  readonly memberSets: readonly MemberSet[];
  /** Per run, an index into checkSets; a set is a run's check outcomes by check name, null when none were evaluated. */
  readonly checkSet: Uint32Array;
  readonly checkSets: readonly (ReadonlyMap<string, CheckOutcome> | null)[];
  /** Per run, an index into attributeValues, −1 when the run has no value of the group attribute. */
  readonly attribute: Int32Array;
  readonly attributeValues: readonly string[];
}

/** Columns of run objects (tests, small batches): each distinct membership, check map and value is stored once. */
export function columnsOfRuns(runs: readonly FleetRun[]): FleetColumns {
  const n = runs.length;
  const memberSets: MemberSet[] = [];
  const checkSets: (ReadonlyMap<string, CheckOutcome> | null)[] = [];
  const attributeValues: string[] = [];
  const members = new Map<string, number>();
  const checks = new Map<string, number>();
  const values = new Map<string, number>();
  const columns = {
    length: n,
    traceIdOf: (i: number) => runs[i].traceId,
    nameOf: (i: number) => runs[i].name,
    startMs: new Float64Array(n),
    durationMs: new Float64Array(n),
    totalTokens: new Float64Array(n),
    costUsd: new Float64Array(n),
    llmCalls: new Float64Array(n),
    toolCalls: new Float64Array(n),
    errorCount: new Float64Array(n),
    memberSet: new Uint32Array(n),
    memberSets,
    checkSet: new Uint32Array(n),
    checkSets,
    attribute: new Int32Array(n),
    attributeValues,
  };
  const idOf = <T>(ids: Map<string, number>, list: T[], key: string, value: T): number => {
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = list.push(value) - 1));
    return id;
  };
  for (let i = 0; i < n; i++) {
    const r = runs[i];
    columns.startMs[i] = r.startMs;
    columns.durationMs[i] = r.durationMs;
    columns.totalTokens[i] = r.totalTokens ?? Number.NaN;
    columns.costUsd[i] = r.costUsd ?? Number.NaN;
    columns.llmCalls[i] = r.llmCalls;
    columns.toolCalls[i] = r.toolCalls;
    columns.errorCount[i] = r.errorCount;
    const memberKey = JSON.stringify([r.agents, r.models, [...r.tools]]);
    columns.memberSet[i] = idOf(members, memberSets, memberKey, { agents: r.agents, models: r.models, tools: r.tools });
    columns.checkSet[i] = idOf(checks, checkSets, r.checks ? JSON.stringify([...r.checks]) : 'null', r.checks);
    columns.attribute[i] = r.attribute === null ? -1 : idOf(values, attributeValues, r.attribute, r.attribute);
  }
  return columns;
}

/** `first`'s runs, then `second`'s (batch against batch: before, then after). */
export function concatColumns(first: FleetColumns, second: FleetColumns): FleetColumns {
  const n1 = first.length;
  const numbers = (pick: (c: FleetColumns) => Float64Array) => {
    const out = new Float64Array(n1 + second.length);
    out.set(pick(first));
    out.set(pick(second), n1);
    return out;
  };
  const offsetIds = (a: Uint32Array, b: Uint32Array, by: number) => {
    const out = new Uint32Array(n1 + b.length);
    out.set(a);
    for (let i = 0; i < b.length; i++) out[n1 + i] = b[i] + by;
    return out;
  };
  // Attribute values are merged by text: the same value on both sides is one group.
  const attributeValues = [...first.attributeValues];
  const valueIds = new Map(attributeValues.map((v, i) => [v, i]));
  const remap = second.attributeValues.map((v) => {
    let id = valueIds.get(v);
    if (id === undefined) valueIds.set(v, (id = attributeValues.push(v) - 1));
    return id;
  });
  const attribute = new Int32Array(n1 + second.length);
  attribute.set(first.attribute);
  for (let i = 0; i < second.length; i++) attribute[n1 + i] = second.attribute[i] < 0 ? -1 : remap[second.attribute[i]];
  return {
    length: n1 + second.length,
    traceIdOf: (i) => (i < n1 ? first.traceIdOf(i) : second.traceIdOf(i - n1)),
    nameOf: (i) => (i < n1 ? first.nameOf(i) : second.nameOf(i - n1)),
    startMs: numbers((c) => c.startMs),
    durationMs: numbers((c) => c.durationMs),
    totalTokens: numbers((c) => c.totalTokens),
    costUsd: numbers((c) => c.costUsd),
    llmCalls: numbers((c) => c.llmCalls),
    toolCalls: numbers((c) => c.toolCalls),
    errorCount: numbers((c) => c.errorCount),
    memberSet: offsetIds(first.memberSet, second.memberSet, first.memberSets.length),
    memberSets: [...first.memberSets, ...second.memberSets],
    checkSet: offsetIds(first.checkSet, second.checkSet, first.checkSets.length),
    checkSets: [...first.checkSets, ...second.checkSets],
    attribute,
    attributeValues,
  };
}

/** 1 when every check of the set passed, 0 when one failed or could not be evaluated, −1 when none ran (per check set). */
export function passedOfSets(checkSets: FleetColumns['checkSets']): Int8Array {
  return Int8Array.from(checkSets, (checks) => {
    if (!checks || checks.size === 0) return -1;
    for (const outcome of checks.values()) if (outcome !== 'pass') return 0;
    return 1;
  });
}
