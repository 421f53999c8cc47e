// Read paths shared by the LSP server and the CLI, so both answer with the same DTOs.
import type { TraceDetailDto } from '../protocol/dto';
import type { TraceStore } from '../store/traceStore';
import { traceToDetailDto } from './toDto';

export function traceDetail(store: TraceStore, traceId: string): TraceDetailDto | null {
  const found = store.getTrace(traceId.toLowerCase());
  return found ? traceToDetailDto(found.summary, found.spans) : null;
}
