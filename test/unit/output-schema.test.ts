// output_schema: the loader's errors name the file, line and key; answers are parsed (bare JSON or one
// ```json block) and validated with ajv's errors at their instance paths, in each validation_mode.
import assert from 'node:assert/strict';
import { checkAnswer, parseAnswer } from '../../src/agents/check-answer.js';
import { parseResourceFile } from '../../src/config/parse-resources.js';
import { formatProblem } from '../../src/config/problems.js';
import type { OutputSchemaSpec } from '../../src/agents/output-schema.js';

const agentFile = (outputSchema: string) =>
  `apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: a}\nspec:\n  model: anthropic:claude-test\n  output_schema:\n${outputSchema}`;
const parse = (text: string) => parseResourceFile('agents/a.yaml', text);
const problems = (text: string) => parse(text).problems.map(formatProblem);

const spec = (
  schema: Record<string, unknown>,
  mode: OutputSchemaSpec['validation_mode'] = 'strict',
): OutputSchemaSpec => ({
  schema,
  validation_mode: mode,
  on_validation_error: 'retry',
  max_retries: 2,
});
const verdict = {
  type: 'object',
  properties: { verdict: { enum: ['approve', 'reject'] }, score: { type: 'integer' } },
  required: ['verdict'],
};

describe('output_schema', () => {
  it('loads with the control keys taken out of the schema and their defaults filled in', () => {
    const r = parse(
      agentFile('    type: object\n    properties: {status: {type: string}}\n    on_validation_error: fail\n'),
    );
    assert.deepEqual(r.problems, []);
    const agent = r.resources[0]!.resource as { spec: { output_schema: OutputSchemaSpec } };
    assert.deepEqual(agent.spec.output_schema, {
      schema: { type: 'object', properties: { status: { type: 'string' } } },
      validation_mode: 'strict',
      on_validation_error: 'fail',
      max_retries: 2,
    });
  });

  it("a schema that does not compile is an error at its key, with ajv's reason", () => {
    const out = problems(agentFile('    type: objekt\n'));
    assert.equal(out.length, 1);
    assert.match(
      out[0]!,
      /^agents\/a\.yaml:7:5: spec\.output_schema: not a JSON Schema this validator can use: .*type/,
    );
  });

  it('bad control values are errors naming the key', () => {
    const out = problems(
      agentFile('    type: object\n    validation_mode: loose\n    on_validation_error: ignore\n    max_retries: -1\n'),
    );
    assert.equal(out.length, 3, out.join('\n'));
    assert.match(
      out[0]!,
      /^agents\/a\.yaml:8:22: spec\.output_schema\.validation_mode: expected one of "strict", "lenient", "coerce"$/,
    );
    assert.match(
      out[1]!,
      /^agents\/a\.yaml:9:26: spec\.output_schema\.on_validation_error: expected one of "retry", "fail", "passthrough"$/,
    );
    assert.match(out[2]!, /^agents\/a\.yaml:10:18: spec\.output_schema\.max_retries: /);
  });

  it('a $schema other than draft 2020-12 or draft-07, and a schema too large to travel with each run', () => {
    assert.match(
      problems(agentFile('    $schema: "http://json-schema.org/draft-04/schema#"\n'))[0]!,
      /draft 2020-12 or draft-07/,
    );
    const big = `    description: "${'x'.repeat(17_000)}"\n`;
    assert.match(
      problems(agentFile(big))[0]!,
      /spec\.output_schema: the schema is \d+ characters as JSON, more than 16000/,
    );
  });

  it('an inline fleet member takes output_schema too, its errors at the member', () => {
    const out = problems(
      'apiVersion: aof.dev/v1\nkind: AgentFleet\nmetadata: {name: f}\nspec:\n  agents:\n    - name: m\n      spec:\n        model: anthropic:claude-test\n        output_schema: {type: object, max_retries: many}\n',
    );
    assert.equal(out.length, 1);
    assert.match(out[0]!, /spec\.agents\.0\.spec\.output_schema\.max_retries: /);
  });

  it('an answer is bare JSON or one fenced json block; anything else says why', () => {
    assert.deepEqual(parseAnswer(' {"a": 1} '), { ok: true, value: { a: 1 } });
    assert.deepEqual(parseAnswer('Here it is:\n```json\n{"a": [1, 2]}\n```\nDone.'), {
      ok: true,
      value: { a: [1, 2] },
    });
    assert.match((parseAnswer('All good!') as { error: string }).error, /not JSON/);
    assert.match((parseAnswer('```json\n{}\n```\n```json\n{}\n```') as { error: string }).error, /2 fenced blocks/);
  });

  it('strict refuses properties the schema does not list; lenient keeps them; coerce reads "7" as 7', () => {
    const answer = '{"verdict": "approve", "score": "7", "extra": true}';
    const strict = checkAnswer(spec(verdict), answer);
    assert.equal(strict.ok, false);
    assert.deepEqual(!strict.ok && strict.errors, [
      '(the answer): must NOT have additional properties ("extra")',
      '/score: must be integer',
    ]);
    const lenient = checkAnswer(spec(verdict, 'lenient'), answer);
    assert.deepEqual(!lenient.ok && lenient.errors, ['/score: must be integer']);
    assert.deepEqual(checkAnswer(spec(verdict, 'coerce'), answer), {
      ok: true,
      output: { verdict: 'approve', score: 7, extra: true },
    });
  });

  it('errors name the instance path and the allowed values, at most ten with a note', () => {
    const r = checkAnswer(spec(verdict), '{"verdict": "maybe"}');
    assert.deepEqual(!r.ok && r.errors, ['/verdict: must be equal to one of the allowed values ("approve", "reject")']);
    const many = checkAnswer(
      spec({ type: 'array', items: { type: 'string' } }, 'lenient'),
      JSON.stringify(Array.from({ length: 15 }, (_, i) => i)),
    );
    assert.equal(!many.ok && many.errors.length, 11);
    assert.equal(!many.ok && many.errors[10], '… and 5 more');
  });

  it('draft-07 schemas are read as draft-07', () => {
    const s = spec(
      { $schema: 'http://json-schema.org/draft-07/schema#', type: 'array', items: [{ type: 'string' }] },
      'lenient',
    );
    assert.equal(checkAnswer(s, '["a", 1]').ok, true);
    assert.equal(checkAnswer(s, '[1]').ok, false);
  });

  it('strict mode leaves allOf branches open (another branch may list the property)', () => {
    const s = spec({ allOf: [{ properties: { a: { type: 'string' } } }, { properties: { b: { type: 'string' } } }] });
    assert.equal(checkAnswer(s, '{"a": "x", "b": "y"}').ok, true);
  });
});
