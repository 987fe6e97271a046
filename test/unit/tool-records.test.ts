// One record per built-in tool (issue 30): every file of src/agents/tools/ that defines a tool is in the
// registry, names are unique, the docs name each tool, and the definitions the model APIs get are the
// records' own (description, JSON Schema of the input, without its dialect).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOOL_NAMES, TOOLS, toolDefinitions } from '../../src/agents/tools.js';

const DIR = join(import.meta.dirname, '../../src/agents/tools');

describe('built-in tool records', () => {
  it('every tool file is in the registry, once', async () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.ts') && !['record.ts', 'inputs.ts'].includes(f));
    const names = await Promise.all(files.map(async (f) => (await import(join(DIR, f))).default.name as string));
    assert.deepEqual([...names].sort(), [...TOOL_NAMES].sort());
    assert.equal(new Set(TOOL_NAMES).size, TOOLS.length);
  });

  it('the docs name every tool', () => {
    const docs = readFileSync(join(import.meta.dirname, '../../docs/agents-and-tools.md'), 'utf8');
    assert.deepEqual(
      TOOL_NAMES.filter((n) => !docs.includes(`\`${n}\``)),
      [],
    );
  });

  it('the model gets each record’s description and input schema, then any MCP definitions', () => {
    const mcp = { name: 'srv__echo', description: 'Echo.', input_schema: { type: 'object' } };
    const defs = toolDefinitions(['github_add_labels', 'no_such_tool'], [mcp]);
    assert.deepEqual(
      defs.map((d) => d.name),
      ['github_add_labels', 'srv__echo'],
    );
    const labels = TOOLS.find((t) => t.name === 'github_add_labels')!;
    assert.equal(defs[0]!.description, labels.description);
    assert.equal(defs[0]!.input_schema.$schema, undefined);
    assert.deepEqual(Object.keys(defs[0]!.input_schema.properties as object), ['labels']);
  });
});
