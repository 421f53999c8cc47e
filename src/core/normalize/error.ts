// A span's error: the status message, the first `exception` event, `error.type`.
import type { RawSpan, SpanError } from '../model';
import { str } from './attrs';

export function errorOf(span: RawSpan): SpanError | null {
  const ex = span.events.find((e) => e.name === 'exception');
  const errType = str(span.attributes, 'error.type');
  if (span.status.code !== 'error' && !ex && !errType) return null;
  const exType = ex ? str(ex.attributes, 'exception.type') : null;
  const exMsg = ex ? str(ex.attributes, 'exception.message') : null;
  return {
    type: exType ?? errType,
    message: span.status.message || exMsg || exType || errType || 'error',
    stacktrace: ex ? str(ex.attributes, 'exception.stacktrace') : null,
  };
}
