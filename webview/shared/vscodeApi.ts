// Typed access to the VS Code webview API. acquireVsCodeApi may be called only once per page,
// so the handle is cached here.

export interface VsCodeApi<TOut, TState> {
  postMessage(message: TOut): void;
  getState(): TState | undefined;
  setState(state: TState): void;
}

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };

let cached: ReturnType<typeof acquireVsCodeApi> | undefined;

export function vscodeApi<TOut, TState>(): VsCodeApi<TOut, TState> {
  if (!cached) {
    cached =
      typeof acquireVsCodeApi === 'function'
        ? acquireVsCodeApi()
        : // Outside a webview (plain browser while developing): log instead of posting.
          { postMessage: (m: unknown) => console.debug('postMessage', m), getState: () => undefined, setState: () => undefined };
  }
  const api = cached;
  return {
    postMessage: (m) => api.postMessage(m),
    getState: () => api.getState() as TState | undefined,
    setState: (s) => api.setState(s),
  };
}

/** Subscribes to host messages; returns the unsubscribe function. */
export function onHostMessage<T extends { type: string }>(handler: (message: T) => void): () => void {
  const listener = (e: MessageEvent) => {
    const data = e.data as unknown;
    if (data && typeof data === 'object' && typeof (data as { type?: unknown }).type === 'string') handler(data as T);
  };
  window.addEventListener('message', listener);
  return () => window.removeEventListener('message', listener);
}
