// Fleet view and batch against batch (issue 11), pure: statistics, one batch's aggregates, two batches compared.
export * from './types';
export { aggregateFleet, aggregateFleetColumns, MAX_GROUPS_PER_DIMENSION, OUTLIER_FACTOR, type FleetOptions } from './aggregate';
export { compareBatchColumns, compareBatchRuns, DEFAULT_ALPHA, formatP, groupLabel, MIN_RATE_CHANGE, MIN_RELATIVE_CHANGE, MIN_RUNS_FOR_TEST, type CompareOptions } from './compare';
export { formatMeasure, formatPercent, measureLabel, measureOf } from './measures';
export { columnsOfRuns, concatColumns, type CheckOutcome, type FleetColumns, type MemberSet } from './columns';
