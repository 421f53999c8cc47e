// What a recording keeps of a body: the first `cap` bytes, the total size, and whether it was
// cut. The client always gets every byte; only the copy is bounded. Pure (Uint8Array only).

/** Default cap per recorded body (request and response each). */
export const DEFAULT_RECORD_BYTES = 4 * 1024 * 1024;

export class BoundedCapture {
  private readonly parts: Uint8Array[] = [];
  private kept = 0;
  /** Every byte seen, kept or not. */
  total = 0;

  constructor(private readonly cap: number) {}

  add(chunk: Uint8Array): void {
    this.total += chunk.byteLength;
    const room = this.cap - this.kept;
    if (room <= 0) return;
    // Kept as views: Node hands every 'data' event a fresh buffer, so nothing is copied until bytes().
    const part = chunk.byteLength <= room ? chunk : chunk.subarray(0, room);
    this.parts.push(part);
    this.kept += part.byteLength;
  }

  get truncated(): boolean {
    return this.total > this.kept;
  }

  bytes(): Uint8Array {
    if (this.parts.length === 1) return this.parts[0]!;
    const out = new Uint8Array(this.kept);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}
