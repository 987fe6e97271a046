import assert from 'node:assert/strict';
import { compile, namesIn, renderFlowTemplate } from '../../src/flows/expression.js';

const scope = (vars: Record<string, unknown>) => (name: string) => vars[name];

describe('flow expressions', () => {
  it('compares, combines and negates', () => {
    const s = scope({ 'approval.output': 'approved', 'metadata.pr_base_ref': 'main', 'tests.output': 3 });
    assert.equal(compile("approval.output == 'approved'")(s), true);
    assert.equal(compile("${approval.output} != 'approved'")(s), false);
    assert.equal(compile("metadata.pr_base_ref == 'main' && tests.output >= 3")(s), true);
    assert.equal(compile("!(tests.output > 5) || false")(s), true);
    assert.equal(compile('"a" == "b" || (1 < 2 && true)')(s), true);
  });

  it('rejects what it cannot parse, with the place', () => {
    assert.throws(() => compile("a == 'x' &&"), /expected a value/);
    assert.throws(() => compile('a = b'), /unexpected "= b"/);
    assert.throws(() => compile('process.exit()'), /unexpected "\("/);
  });

  it('lists the names it reads', () => {
    assert.deepEqual(namesIn("approval.output == 'approved' && metadata.x != null"), ['approval.output', 'metadata.x']);
  });

  it('renders ${node.output}, ${event.*} and {{ metadata.* }}', () => {
    const s = scope({ 'plan.output': 'apply 3 changes', 'event.action': 'created', 'metadata.repo_full_name': 'o/r' });
    assert.equal(renderFlowTemplate('${plan.output} for {{ metadata.repo_full_name }} (${ event.action })', s), 'apply 3 changes for o/r (created)');
  });
});
