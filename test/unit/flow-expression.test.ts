import assert from 'node:assert/strict';
import { compile, namesIn, renderFlowTemplate } from '../../src/flows/expression.js';

const scope = (vars: Record<string, unknown>) => (name: string) => vars[name];

describe('flow expressions', () => {
  it('compares, combines and negates', () => {
    const s = scope({ 'approval.output': 'approved', 'metadata.pr_base_ref': 'main', 'tests.output': 3 });
    assert.equal(compile("approval.output == 'approved'")(s), true);
    assert.equal(compile("${approval.output} != 'approved'")(s), false);
    assert.equal(compile("metadata.pr_base_ref == 'main' && tests.output >= 3")(s), true);
    assert.equal(compile('!(tests.output > 5) || false')(s), true);
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
    assert.equal(
      renderFlowTemplate('${plan.output} for {{ metadata.repo_full_name }} (${ event.action })', s),
      'apply 3 changes for o/r (created)',
    );
  });
});

describe('http node requests', () => {
  it('event values are percent-encoded in the path and query; scheme and host never come from them', async () => {
    const { renderHttpRequest, httpTemplateProblems } = await import('../../src/flows/http-request.js');
    const values = { 'event.environment': '../../admin?x=1#' };
    assert.equal(
      renderHttpRequest(
        { url: 'https://hooks.example.com/deploy/${event.environment}?env=${event.environment}' },
        values,
        {},
      ).url,
      'https://hooks.example.com/deploy/..%2F..%2Fadmin%3Fx%3D1%23?env=..%2F..%2Fadmin%3Fx%3D1%23',
    );
    assert.equal(
      renderHttpRequest(
        { url: '${HOOK:-http://127.0.0.1:1}/d/${event.environment}' },
        { 'event.environment': 'a/b' },
        {},
      ).url,
      'http://127.0.0.1:1/d/a%2Fb',
    );
    assert.deepEqual(
      httpTemplateProblems({ url: 'https://${event.environment}.example.com/x' }).map((p) => p.key),
      ['url'],
    );
    assert.deepEqual(
      httpTemplateProblems({ url: 'https://{{ metadata.repo_owner }}/x' }).map((p) => p.key),
      ['url'],
    );
    assert.deepEqual(
      httpTemplateProblems({ url: 'ftp://x/y' }).map((p) => p.message),
      ['must start with http:// or https:// (or an environment variable that holds the base URL)'],
    );
    assert.deepEqual(
      httpTemplateProblems({ url: 'https://x/y', headers: { A: '{{ metadata.pr_title }}' } }).map((p) => p.key),
      ['headers.A'],
    );
  });

  it('environment variables resolve in the YAML text only, never inside event values', async () => {
    const { renderHttpRequest } = await import('../../src/flows/http-request.js');
    const env = { DEPLOY_TOKEN: 'secret-token' };
    const r = renderHttpRequest(
      {
        url: 'https://h/x',
        body: { note: '{{ metadata.pr_title }}', by: '${DEPLOY_TOKEN}' },
        headers: { Authorization: 'Bearer ${DEPLOY_TOKEN}' },
      },
      { 'metadata.pr_title': '${DEPLOY_TOKEN} "}' },
      env,
    );
    assert.deepEqual(JSON.parse(r.body!), { note: '${DEPLOY_TOKEN} "}', by: 'secret-token' });
    assert.equal(r.headers.Authorization, 'Bearer secret-token');
    assert.throws(
      () => renderHttpRequest({ url: 'https://h/${MISSING_VAR}' }, {}, {}),
      /environment variable MISSING_VAR is not set on the worker/,
    );
  });
});
