// OTLP decoding entry points: one call per signal, protobuf or OTLP/JSON.
export { OtlpDecodeError, rejectionMessage, type DecodedLogs, type DecodedMetrics, type DecodedTraces, type OtlpEncoding } from './types';
export { decodeLogsProto, decodeMetricsProto, decodeTracesProto } from './decodeProto';
export { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './decodeJson';
export { encodeOtlpJson } from './encodeJson';
export { DEFAULT_OTLP_LIMITS, resolveLimits, type OtlpLimits } from './limits';
export { OTLP_PROTO_PARTS, TYPE, TYPE as OTLP_TYPES, otlpRoot, otlpType } from './schema';

import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './decodeJson';
import { decodeLogsProto, decodeMetricsProto, decodeTracesProto } from './decodeProto';
import { DEFAULT_OTLP_LIMITS, type OtlpLimits } from './limits';
import type { DecodedLogs, DecodedMetrics, DecodedTraces, OtlpEncoding } from './types';

export function decodeTraces(body: Uint8Array, encoding: OtlpEncoding, limits: OtlpLimits = DEFAULT_OTLP_LIMITS): DecodedTraces {
  return encoding === 'protobuf' ? decodeTracesProto(body, limits) : decodeTracesJson(body, limits);
}

export function decodeLogs(body: Uint8Array, encoding: OtlpEncoding, limits: OtlpLimits = DEFAULT_OTLP_LIMITS): DecodedLogs {
  return encoding === 'protobuf' ? decodeLogsProto(body, limits) : decodeLogsJson(body, limits);
}

export function decodeMetrics(body: Uint8Array, encoding: OtlpEncoding): DecodedMetrics {
  return encoding === 'protobuf' ? decodeMetricsProto(body) : decodeMetricsJson(body);
}
