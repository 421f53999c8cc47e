// Checks over finished traces: config (checks.json / checks.yaml with lines), evaluation, counts.
export { parseChecksConfig, MAX_CHECKS } from './config';
export { evaluateChecks, checksInScope, countOutcomes, runForJudge, type CheckedTrace } from './evaluate';
export { judgeMessages, readJudgeVerdict, MAX_JUDGE_INPUT_CHARS } from './judge';
export { compileUserPattern, MAX_PATTERN_LENGTH, MAX_TESTED_CHARS } from './patterns';
export * from './types';
