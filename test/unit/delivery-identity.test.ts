// The identity step of the ingress (src/ingress/identity.ts): every field that names the repository,
// installation, pull request or head is checked once against the tenant and against the others, and
// routing reads the verified identity, never the payload's copies.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Tenant } from '../../src/config/secrets.js';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { verifiedIdentity, type IdentityResult } from '../../src/ingress/identity.js';
import { computeMetadata } from '../../src/routing/metadata.js';

const acme: Tenant = { kind: 'organization', name: 'acme', installationId: 7 };
const global: Tenant = { kind: 'global' };
const orgs = new Set(['acme']);
const refusal = (r: IdentityResult) => ('refused' in r ? r.refused : undefined);
const pr = (repo = 'acme/api') => {
  const p = retarget(example('pull_request', 'opened'), repo);
  p.pull_request.head.sha = 'c'.repeat(40);
  delete p.installation;
  return p;
};

describe('the verified identity of a delivery', () => {
  it('accepts every real payload whose fields agree, and names its repository, number and head', () => {
    const groups = createRequire(import.meta.url)('@octokit/webhooks-examples') as {
      name: string;
      examples: Record<string, any>[];
    }[];
    let accepted = 0;
    for (const g of groups)
      for (const e of g.examples) {
        // A few examples were edited by hand and name two different owners; retargeted, they agree.
        const p = e.repository ? retarget(structuredClone(e), 'octo-org/app') : e;
        const r = verifiedIdentity(global, g.name, p, new Set());
        assert.equal(refusal(r), undefined, `${g.name}.${e.action}`);
        accepted++;
      }
    assert.ok(accepted > 300);
    const r = verifiedIdentity(acme, 'pull_request', pr(), orgs);
    assert.ok('identity' in r);
    assert.deepEqual(
      { ...r.identity, tenant: undefined },
      {
        tenant: undefined,
        owner: 'acme',
        repo: 'api',
        fullName: 'acme/api',
        installationId: 7,
        installationBound: true,
        number: 2,
        headSha: 'c'.repeat(40),
      },
    );
  });

  it('refuses a full name that is not owner/name, whatever the tenant', () => {
    for (const tenant of [acme, global]) {
      const p = pr(tenant === acme ? 'acme/api' : 'someone/api');
      p.repository.full_name = 'victim/api';
      assert.match(refusal(verifiedIdentity(tenant, 'pull_request', p, orgs))!, /full_name does not name/);
    }
  });

  it("refuses an installation that is not the tenant's configured one, and a malformed one", () => {
    const p = pr();
    p.installation = { id: 8 };
    assert.match(
      refusal(verifiedIdentity(acme, 'pull_request', p, orgs))!,
      /installation 8 is not the installation of "acme"/,
    );
    p.installation = { id: '7' };
    assert.match(
      refusal(verifiedIdentity(acme, 'pull_request', p, orgs))!,
      /installation\.id is not a positive integer/,
    );
    // Unbound (the global secret): the payload's installation is used to act, never to bill.
    const q = pr('someone/api');
    q.installation = { id: 555 };
    const r = verifiedIdentity(global, 'pull_request', q, orgs);
    assert.ok('identity' in r && r.identity.installationId === 555 && !r.identity.installationBound);
  });

  it('refuses a head that is not 40 hexadecimal characters, and numbers that are not positive integers', () => {
    for (const bad of ['HEAD', 'C'.repeat(40), 'c'.repeat(41), '']) {
      const p = pr();
      p.pull_request.head.sha = bad;
      assert.match(refusal(verifiedIdentity(acme, 'pull_request', p, orgs))!, /head\.sha is not 40 hexadecimal/);
    }
    const p = pr();
    p.pull_request.number = '1 OR 1=1';
    assert.match(refusal(verifiedIdentity(acme, 'pull_request', p, orgs))!, /pull_request\.number/);
    const c = retarget(example('issue_comment', 'created'), 'acme/api');
    c.issue.number = -3;
    delete c.installation;
    assert.match(refusal(verifiedIdentity(acme, 'issue_comment', c, orgs))!, /issue\.number/);
  });

  it("refuses another owner's repository, and an organization's own name under another secret", () => {
    assert.match(
      refusal(verifiedIdentity(acme, 'pull_request', pr('evil/api'), orgs))!,
      /secret of "acme" but about "evil"/,
    );
    assert.match(
      refusal(verifiedIdentity(global, 'pull_request', pr('ACME/api'), orgs))!,
      /has its own webhook secret/,
    );
    const p = pr();
    p.repository.owner.login = 'ac/me';
    p.repository.full_name = 'ac/me/api';
    assert.match(refusal(verifiedIdentity(acme, 'pull_request', p, orgs))!, /not a GitHub login/);
  });

  it('the context variables of a routed event come from the identity, not the payload', () => {
    const p = pr();
    const r = verifiedIdentity(acme, 'pull_request', p, orgs);
    assert.ok('identity' in r);
    // Fields the identity does not cover still come from the payload; those it covers never do.
    p.repository.full_name = 'victim/api';
    p.installation = { id: 999 };
    const m = computeMetadata('pull_request', p, r.identity);
    assert.deepEqual(
      [m.repo_full_name, m.repo_owner, m.repo_name, m.installation_id, m.pr_number, m.pr_head_sha],
      ['acme/api', 'acme', 'api', 7, p.pull_request.number, 'c'.repeat(40)],
    );
  });
});
