// The language-model tools contributed in package.json are the MCP tools: same names (through
// the ids), same input schemas, same descriptions, so chat and MCP clients get one contract.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AgentTools } from '../../src/extension/ids';
import { AGENT_TOOLS } from '../../src/server/mcp/tools';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));

describe('agent tools: package.json languageModelTools vs the MCP tool list', () => {
  it('has one contributed tool per MCP tool, with the same schema and description', () => {
    assert.deepEqual(Object.keys(AgentTools).sort(), AGENT_TOOLS.map((t) => t.name).sort());
    for (const tool of AGENT_TOOLS) {
      const contributed = pkg.contributes.languageModelTools.find((t: { name: string }) => t.name === AgentTools[tool.name as keyof typeof AgentTools]);
      assert.ok(contributed, tool.name);
      const { $schema, ...schema } = z.toJSONSchema(tool.input) as Record<string, unknown>;
      assert.ok($schema);
      assert.deepEqual(contributed.inputSchema, schema, `${tool.name}: regenerate the inputSchema in package.json from src/server/mcp/tools.ts`);
      assert.equal(contributed.modelDescription, tool.description);
    }
  });
});
