// Public surface of the redaction core.

export { ALL_DETECTORS, detectInText, type Detector, type Match } from './detectors';
export {
  DEFAULT_POLICY, POLICY_FILE, policyFileTemplate, parsePolicy, compilePolicy, globToRegexSource, type RedactionPolicy, type CompiledPolicy,
} from './policy';
export {
  scanSpans, redactSpan, redactAttributes, redactValue, markAttributes, FINDING_MARKS, hashValue, maskedPreview, serviceOf, type ScannableSpan, type ScanOptions, type MarkSide,
} from './apply';
export { renderCollectorConfig, collectorPatterns, collectorGaps, type CollectorPattern } from './collector';
export { renderNodeProcessor } from './snippets';
export { isNaturalLanguage } from './detectors';
export { sha256Hex } from './sha256';
export {
  FINDING_CATEGORIES, type FindingCategory, type FindingBasis, type RedactionAction, type RedactionFinding, type RedactionReport,
  type DecodedFinding,
} from './types';
