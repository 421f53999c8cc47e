// Contributed ids in package.json and the ids const must be the same sets: a command that is
// contributed but not registered does nothing when clicked; one registered but not contributed
// cannot be found in the palette or bound to a key.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AgentTools,
  AgentToolSet,
  Commands,
  McpServerProviderId,
  ConfigSection,
  ContextKeys,
  ServerSettings,
  Settings,
  TreeItemContext,
  ViewContainers,
  Views,
  Walkthroughs,
} from '../../src/extension/ids';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const contributes = pkg.contributes;

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('extension ids vs package.json', () => {
  it('every contributed command is in the ids const and vice versa', () => {
    const contributed: string[] = contributes.commands.map((c: { command: string }) => c.command);
    assert.deepEqual(sorted(contributed), sorted(Object.values(Commands)));
    assert.equal(new Set(contributed).size, contributed.length, 'duplicate command');
  });

  it('command ids follow agentTrace.<camelCase>', () => {
    for (const id of Object.values(Commands)) assert.match(id, /^agentTrace\.[a-z][A-Za-z]+$/);
  });

  it('every command used in a menu is contributed', () => {
    const known = new Set(Object.values(Commands) as string[]);
    for (const [menu, entries] of Object.entries(contributes.menus as Record<string, { command: string }[]>)) {
      for (const e of entries) assert.ok(known.has(e.command), `${menu}: ${e.command}`);
    }
  });

  it('the view container and view ids match', () => {
    const containers = contributes.viewsContainers.activitybar.map((c: { id: string }) => c.id);
    assert.deepEqual(containers, Object.values(ViewContainers));
    const views = Object.values(contributes.views as Record<string, { id: string }[]>).flat().map((v) => v.id);
    assert.deepEqual(sorted(views), sorted(Object.values(Views)));
    assert.deepEqual(Object.keys(contributes.views), [ViewContainers.main]);
  });

  it('every setting is contributed with a default and vice versa', () => {
    const props = contributes.configuration.properties as Record<string, { default: unknown }>;
    assert.deepEqual(sorted(Object.keys(props)), sorted(Object.values(Settings).map((k) => `${ConfigSection}.${k}`)));
    for (const [k, v] of Object.entries(props)) assert.ok('default' in v, `${k} has no default`);
    for (const k of ServerSettings) assert.ok(`${ConfigSection}.${k}` in props, k);
  });

  it('the documented defaults hold', () => {
    const p = contributes.configuration.properties;
    assert.equal(p['agentTrace.otlp.host'].default, '127.0.0.1');
    assert.equal(p['agentTrace.otlp.httpPort'].default, 4318);
    assert.equal(p['agentTrace.otlp.grpcPort'].default, 4317);
    assert.equal(p['agentTrace.database.path'].default, '');
    assert.equal(p['agentTrace.retention.maxDays'].default, 7);
    assert.equal(p['agentTrace.retention.maxMegabytes'].default, 1024);
    assert.equal(p['agentTrace.terminal.injectOtlpEnvironment'].default, false);
    assert.equal(p['agentTrace.redaction.policyPath'].default, '.agent-trace/redaction.json');
  });

  it('when clauses name only our own context keys and tree item contexts', () => {
    const text = JSON.stringify(contributes);
    const ours = new Set<string>([...Object.values(ContextKeys), ...Object.values(Views), ...Object.values(TreeItemContext)]);
    for (const m of text.matchAll(/agentTrace\.[A-Za-z]+(?=[ "&|)])/g)) {
      const id = m[0];
      if ((Object.values(Commands) as string[]).includes(id)) continue;
      if ((Object.values(Walkthroughs) as string[]).includes(id)) continue;
      if (id === McpServerProviderId) continue;
      assert.ok(ours.has(id), `unknown id in package.json: ${id}`);
    }
  });

  it('the walkthrough exists, and its media files are on disk', () => {
    const ids = contributes.walkthroughs.map((w: { id: string }) => w.id);
    assert.deepEqual(ids, Object.values(Walkthroughs));
    for (const w of contributes.walkthroughs) {
      for (const s of w.steps) assert.ok(existsSync(join(root, s.media.markdown)), s.media.markdown);
    }
  });

  it('icons referenced by the manifest are on disk', () => {
    assert.ok(existsSync(join(root, pkg.icon)), pkg.icon);
    for (const c of contributes.viewsContainers.activitybar) assert.ok(existsSync(join(root, c.icon)), c.icon);
  });

  it('the manifest runs the extension on the workspace side and activates at startup', () => {
    assert.deepEqual(pkg.extensionKind, ['workspace']);
    assert.equal(pkg.main, './dist/extension.js');
    assert.ok(pkg.activationEvents.includes('onStartupFinished'));
  });

  it('agent access: the MCP server provider, the language-model tools and their tool set match the ids', () => {
    assert.deepEqual(contributes.mcpServerDefinitionProviders.map((p: { id: string }) => p.id), [McpServerProviderId]);
    const tools = contributes.languageModelTools as { name: string; toolReferenceName: string; when: string }[];
    assert.deepEqual(sorted(tools.map((t) => t.name)), sorted(Object.values(AgentTools)));
    for (const t of tools) assert.equal(t.when, `config.${ConfigSection}.${Settings.agentAccessEnabled}`, t.name);
    assert.deepEqual(contributes.languageModelToolSets.map((s: { name: string }) => s.name), [AgentToolSet]);
    assert.deepEqual(sorted(contributes.languageModelToolSets[0].tools), sorted(Object.values(AgentTools)));
    const p = contributes.configuration.properties;
    assert.equal(p['agentTrace.agentAccess.enabled'].default, true);
    assert.equal(p['agentTrace.agentAccess.redact'].default, true);
    assert.equal(p['agentTrace.agentAccess.tokenBudget'].default, 8000);
  });

  it('the walkthrough names no fixed port, ticks every step by what the user did, and buttons fit their step', () => {
    const steps = contributes.walkthroughs[0].steps as { id: string; description: string; completionEvents: string[]; media: { markdown: string } }[];
    for (const st of steps) {
      const md = readFileSync(join(root, st.media.markdown), 'utf8');
      for (const text of [st.description, md]) assert.doesNotMatch(text, /\b431[78]\b/, `${st.id}: the server may listen elsewhere`);
      assert.doesNotMatch(md, /^\|/m, `${st.media.markdown}: tables overflow the walkthrough pane`);
    }
    const events = Object.fromEntries(steps.map((st) => [st.id, st.completionEvents]));
    assert.ok(events.install.includes('onView:agentTrace.traces'));
    assert.ok(events.run.includes(`onContext:${ContextKeys.traceReceived}`));
    assert.ok(events.open.includes(`onContext:${ContextKeys.traceOpened}`));
    assert.ok(events.source.includes(`onContext:${ContextKeys.sourceOpened}`));
    assert.ok(events.redaction.includes(`onContext:${ContextKeys.redactionPreviewed}`));
    const source = steps.find((st) => st.id === 'source')!;
    assert.doesNotMatch(source.description, /Open latest trace/);
    assert.ok(pkg.activationEvents.includes('onView:agentTrace.traces'), 'clicking the view before activation must not show "no data provider"');
  });

  it('the Traces view has a welcome for starting, stopped, empty and filtered', () => {
    const welcomes = (contributes.viewsWelcome as { view: string; when: string; contents: string }[]).filter((w) => w.view === Views.traces);
    assert.ok(welcomes.some((w) => /Starting/.test(w.contents) && /!agentTrace\.serverRunning/.test(w.when)));
    assert.ok(welcomes.some((w) => /not running/.test(w.contents) && /serverState == stopped/.test(w.when)));
  });
});
