// OTLP decoding entry points: one call per signal, protobuf or OTLP/JSON.
export { OtlpDecodeError, rejectionMessage, type DecodedLogs, type DecodedMetrics, type DecodedTraces, type OtlpEncoding } from './types';
export { decodeLogsProto, decodeMetricsProto, decodeTracesProto } from './decodeProto';
export { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './decodeJson';
export { encodeOtlpJson } from './encodeJson';
export { OTLP_PROTO_PARTS, TYPE, TYPE as OTLP_TYPES, otlpRoot, otlpType } from './schema';

import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './decodeJson';
import { decodeLogsProto, decodeMetricsProto, decodeTracesProto } from './decodeProto';
import type { DecodedLogs, DecodedMetrics, DecodedTraces, OtlpEncoding } from './types';

export function decodeTraces(body: Uint8Array, encoding: OtlpEncoding): DecodedTraces {
  return encoding === 'protobuf' ? decodeTracesProto(body) : decodeTracesJson(body);
}

export function decodeLogs(body: Uint8Array, encoding: OtlpEncoding): DecodedLogs {
  return encoding === 'protobuf' ? decodeLogsProto(body) : decodeLogsJson(body);
}

export function decodeMetrics(body: Uint8Array, encoding: OtlpEncoding): DecodedMetrics {
  return encoding === 'protobuf' ? decodeMetricsProto(body) : decodeMetricsJson(body);
}
