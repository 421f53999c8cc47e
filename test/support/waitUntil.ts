// Waiting on conditions, never on the clock: tests poll an observable state until it holds or a
// deadline passes (generous, because the suite must pass with every core busy). The interval is
// only the polling rate; no assertion depends on how long anything took.

/** Resolves once `check` returns true; rejects naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Retries an assertion until it passes; after `timeoutMs` the last assertion error is thrown, so a
 * failure still shows the expected and actual values.
 */
export async function eventually<T>(assertion: () => T | Promise<T>, timeoutMs = 20_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
