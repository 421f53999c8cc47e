// The documented OTTL subset of ottl_condition: what it accepts, what it evaluates to, and that
// anything outside it is refused with a message instead of guessed.
import { strict as assert } from 'node:assert';
import { compileOttl, type SamplingSpan } from '../../src/core/sampling';

const span: SamplingSpan = {
  name: 'chat gpt-4o',
  kind: 'client',
  startUnixNanos: '1',
  endUnixNanos: '2',
  status: 'error',
  attributes: { 'gen_ai.usage.input_tokens': 1200, 'gen_ai.request.model': 'gpt-4o', cached: false },
  resource: { 'service.name': 'support-bot' },
  events: [],
};
const holds = (text: string, context: 'span' | 'spanevent' = 'span', event?: { name: string; attributes: Record<string, string> }) =>
  compileOttl(text, context)({ span, event });

describe('sampling: OTTL subset', () => {
  it('evaluates paths, literals, enums and comparisons', () => {
    assert.equal(holds('name == "chat gpt-4o"'), true);
    assert.equal(holds('span.name != "chat gpt-4o"'), false);
    assert.equal(holds('status.code == STATUS_CODE_ERROR'), true);
    assert.equal(holds('span.status.code == STATUS_CODE_OK'), false);
    assert.equal(holds('kind == SPAN_KIND_CLIENT'), true);
    assert.equal(holds('attributes["gen_ai.usage.input_tokens"] >= 1200'), true);
    assert.equal(holds('attributes["gen_ai.usage.input_tokens"] < 1200'), false);
    assert.equal(holds('resource.attributes["service.name"] == "support-bot"'), true);
    assert.equal(holds('attributes["missing"] == nil'), true);
    assert.equal(holds('attributes["missing"] > 3'), false, 'ordering with nil is false');
    assert.equal(holds('attributes["cached"] == false'), true);
  });

  it('combines with and, or, not and parentheses (and binds tighter than or)', () => {
    assert.equal(holds('name == "x" or status.code == STATUS_CODE_ERROR and kind == SPAN_KIND_CLIENT'), true);
    assert.equal(holds('(name == "x" or status.code == STATUS_CODE_ERROR) and kind == SPAN_KIND_SERVER'), false);
    assert.equal(holds('not name == "x"'), true);
    assert.equal(holds('not (attributes["gen_ai.request.model"] == "gpt-4o")'), false);
  });

  it('reads the event in spanevent conditions, and the span through span.*', () => {
    const event = { name: 'exception', attributes: { 'exception.type': 'TimeoutError' } };
    assert.equal(holds('name == "exception" and attributes["exception.type"] == "TimeoutError"', 'spanevent', event), true);
    assert.equal(holds('span.name == "chat gpt-4o"', 'spanevent', event), true);
    assert.equal(holds('name == "chat gpt-4o"', 'spanevent', event), false);
  });

  it('refuses what is outside the subset, with the reason', () => {
    assert.throws(() => compileOttl('IsMatch(name, "chat.*")', 'span'), /function "IsMatch" is outside the supported OTTL subset/);
    assert.throws(() => compileOttl('duration > 5', 'span'), /path "duration" is outside/);
    assert.throws(() => compileOttl('attributes[k] == "v"', 'span'), /quoted strings/);
    assert.throws(() => compileOttl('name == "a" name', 'span'), /unexpected "name"/);
    assert.throws(() => compileOttl('name == ', 'span'), /expected/);
    assert.throws(() => compileOttl('name ~ "a"', 'span'), /unexpected "~ "a""/);
  });
});
