// The mock OpenAI upstream as its own process, for bench/proxy.ts: prints its base URL.
import { startMockOpenAi } from '../../test/support/mockOpenAi';

void startMockOpenAi().then((m) => {
  // The bench makes thousands of calls: keep only what the mock needs to answer.
  setInterval(() => {
    m.requests.length = 0;
    m.headers.length = 0;
    m.rawRequests.length = 0;
    m.written.length = 0;
  }, 1_000).unref();
  console.log(`mock upstream ${m.baseUrl}`);
});
