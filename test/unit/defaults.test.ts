// package.json repeats each setting's default for VS Code's settings UI; the code reads them
// from src/protocol/defaults.ts. The two must not drift.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTING_DEFAULTS } from '../../src/protocol/defaults';
import { ConfigSection, Settings } from '../../src/extension/ids';
import { DEFAULT_OTLP_LIMITS } from '../../src/core/otlp/limits';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
const properties: Record<string, { default: unknown }> = pkg.contributes.configuration.properties;

describe('defaults: one module, equal to package.json', () => {
  it('every contributed setting has its default in SETTING_DEFAULTS, with the same value', () => {
    const contributed = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k.slice(ConfigSection.length + 1), v.default]));
    assert.deepEqual(contributed, SETTING_DEFAULTS);
  });

  it('covers every setting key the extension reads', () => {
    assert.deepEqual(Object.values(Settings).sort(), Object.keys(SETTING_DEFAULTS).sort());
  });

  it('the receiver applies the same span limits the settings show as defaults', () => {
    const fromSettings = Object.fromEntries(
      Object.entries(SETTING_DEFAULTS).filter(([k]) => k.startsWith('limits.')).map(([k, v]) => [k.slice('limits.'.length), v]),
    );
    assert.deepEqual(fromSettings, { ...DEFAULT_OTLP_LIMITS });
  });
});
