// Public surface of the redaction core.

export { ALL_DETECTORS, detectInText, type Detector, type Match } from './detectors';
export {
  DEFAULT_POLICY, POLICY_FILE, parsePolicy, compilePolicy, globToRegexSource, type RedactionPolicy, type CompiledPolicy,
} from './policy';
export {
  scanSpans, redactSpan, redactAttributes, redactValue, hashValue, maskedPreview, serviceOf, type ScannableSpan, type ScanOptions,
} from './apply';
export { renderCollectorConfig, collectorPatterns, type CollectorPattern } from './collector';
export { renderNodeProcessor } from './snippets';
