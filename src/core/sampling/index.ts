// Sampling lab: preview what an OTel Collector tail_sampling policy (and a head ratio) would keep
// of stored traces, and what it would silently drop.
export * from './types';
export { parseCollectorConfig, SIMULATED_TYPES, type ParsedCollectorConfig } from './config';
export { collectorProbabilisticSampled, collectorThreshold, collectorTraceHash, DEFAULT_HASH_SALT, fnv1a64, headSampled, type HeadSdk } from './hash';
export { compileOttl } from './ottl';
export { simulate, type HeadOption, type SimulateOptions } from './evaluate';
export { isLoop, samplingVerdict, suggestPolicy, type GroupVerdict, type SamplingVerdict, type SuggestedPolicy } from './verdict';
export { budgetAsPercent, observedArrivalRate, parseBudget, type BudgetPercent, type SamplingBudget } from './budget';
