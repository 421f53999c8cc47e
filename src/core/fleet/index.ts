// Fleet view and batch against batch (issue 11), pure: statistics, one batch's aggregates, two batches compared.
export * from './types';
export { aggregateFleet, MAX_GROUPS_PER_DIMENSION, OUTLIER_FACTOR, type FleetOptions } from './aggregate';
export { compareBatchRuns, DEFAULT_ALPHA, formatP, groupLabel, MIN_RATE_CHANGE, MIN_RELATIVE_CHANGE, MIN_RUNS_FOR_TEST, type CompareOptions } from './compare';
export { formatMeasure, formatPercent, measureLabel, measureOf } from './measures';
