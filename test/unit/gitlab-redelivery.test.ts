// Recovering missed GitLab deliveries (issue 26), against the GitLab sandbox over real HTTP: which of a
// hook's logged events are resent (the rules GitHub's follow: failed for a reason a resend can fix,
// within the window, never a resend of a resend, oldest first, bounded per run), that the listing follows
// GitLab's pages of 20, that a resend carries the same Idempotency-Key and is logged as a new event, that
// a resend GitLab performed before its answer was lost is not repeated on the activity's retry, and that
// the sandbox answers as GitLab does (401, 403, 404, 400, 429).
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { GitLabPlatform } from '../../src/config/forges.js';
import { GitLabApi } from '../../src/forges/gitlab/api.js';
import { createGitLabRedelivery, gitlabRedeliveryHooks } from '../../src/forges/gitlab/redelivery.js';
import type { GitLabHookRef } from '../../src/forges/gitlab/redelivery.js';
import type { DaemonConfig } from '../../src/config/schema.js';
import { ACCESS, GitLabSandbox } from '../../src/sandbox/gitlab/index.js';

const HOUR = 3600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe('GitLab: recovering missed deliveries (issue 26)', () => {
  const gitlab = new GitLabSandbox();
  const s = gitlab.state;
  let receiver: Server;
  let receiverUrl: string;
  /** What the receiver (standing in for the ingress) got, and what it answers. */
  const received: IncomingHttpHeaders[] = [];
  let answer = 200;
  let api: GitLabApi;
  const verbs = () => createGitLabRedelivery(Object.assign(() => api, { group: () => api }));
  let hookId: number;
  const hook = (): GitLabHookRef => ({ forge: 'gitlab', kind: 'project', path: 'acme/app', hookId });
  const P = '/api/v4/projects/acme%2Fapp';

  before(async () => {
    receiver = createServer((req, res) => {
      received.push(req.headers);
      req.resume();
      req.on('end', () => res.writeHead(answer).end('{}'));
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook/gitlab`;
    await gitlab.start();
    s.addUser({ username: 'aofbot', token: 'glpat-bot' });
    s.addUser({ username: 'dev', token: 'glpat-dev' });
    s.addProject({ pathWithNamespace: 'acme/app', id: 7 });
    s.addMember(7, 'aofbot', ACCESS.maintainer);
    s.addMember(7, 'dev', ACCESS.developer);
    api = new GitLabApi({ apiUrl: gitlab.apiUrl, token: 'glpat-bot' });
  });
  after(async () => {
    await gitlab.stop();
    await new Promise((r) => receiver.close(r));
  });
  beforeEach(() => {
    gitlab.reset();
    received.length = 0;
    answer = 200;
    hookId = s.addHook({ project: 'acme/app', url: receiverUrl, token: 'gl-secret' }).id;
  });

  const mr = (action: string) => ({ object_kind: 'merge_request', object_attributes: { action, iid: 1 } });
  const log = (status: number, age: number, key?: string) =>
    gitlab.deliver(hookId, 'Merge Request Hook', mr('open'), { status, createdAt: ago(age), idempotencyKey: key });

  it('resends the failed deliveries of the window once each, oldest first, reading every page', async () => {
    const failed500 = await log(500, 5 * HOUR, 'k-500');
    const noAnswer = await log(0, 30 * HOUR, 'k-none');
    await log(404, 4 * HOUR, 'k-refused'); // the ingress refused it: the same bytes would be refused again
    await log(502, 150 * HOUR, 'k-old'); // beyond max_age_hours
    await log(500, 6 * HOUR, 'k-resent-failed');
    await log(503, 2 * HOUR, 'k-resent-failed'); // resent, failed again: left for a person
    await log(500, 7 * HOUR, 'k-resent-ok');
    await log(200, 3 * HOUR, 'k-resent-ok');
    for (let i = 0; i < 25; i++) await log(200, HOUR, `ok-${i}`); // newest: the failures are on pages 2 and 3

    const pages: number[] = [];
    const found = await verbs().listFailedDeliveries(hook(), {
      maxAgeHours: 144,
      limit: 10,
      onPage: (p) => pages.push(p),
    });
    assert.deepEqual(pages, [1, 2]);
    assert.equal(found.listed, 33);
    assert.deepEqual(
      found.failed.map((d) => [d.guid, d.id, d.status_code, d.event, d.action]),
      [
        ['k-none', noAnswer.id, 0, 'Merge Request Hook', 'open'],
        ['k-500', failed500.id, 500, 'Merge Request Hook', 'open'],
      ],
    );
    assert.equal(found.more, 0);
    // Only GitLab's documented parameters, 20 a page.
    const lists = gitlab.requests.filter((r) => r.path === `${P}/hooks/${hookId}/events`);
    assert.deepEqual(
      lists.map((r) => r.query),
      ['per_page=20&page=1', 'per_page=20&page=2'],
    );
    assert.deepEqual(s.violations, []);

    const bounded = await verbs().listFailedDeliveries(hook(), { maxAgeHours: 144, limit: 1 });
    assert.deepEqual(
      bounded.failed.map((d) => d.guid),
      ['k-none'],
    );
    assert.equal(bounded.more, 1);
    // A window of 10 hours leaves the 30-hour-old one out.
    const recent = await verbs().listFailedDeliveries(hook(), { maxAgeHours: 10, limit: 10 });
    assert.deepEqual(
      recent.failed.map((d) => d.guid),
      ['k-500'],
    );
  });

  it('resends with the same Idempotency-Key, logged as a new event; the next listing finds nothing', async () => {
    answer = 500;
    const first = await gitlab.deliver(hookId, 'Merge Request Hook', mr('open'));
    assert.equal(first.responseStatus, '500');
    assert.equal(received.length, 1);
    answer = 202;
    const [failed] = (await verbs().listFailedDeliveries(hook(), { maxAgeHours: 144, limit: 5 })).failed;
    assert.equal(failed?.id, first.id);
    await verbs().redeliver(hook(), failed!, { retry: false });

    assert.equal(received.length, 2);
    assert.equal(received[1]!['idempotency-key'], received[0]!['idempotency-key']);
    assert.notEqual(received[1]!['x-gitlab-event-uuid'], received[0]!['x-gitlab-event-uuid']);
    assert.equal(received[1]!['x-gitlab-token'], 'gl-secret');
    assert.equal(received[1]!['x-gitlab-event'], 'Merge Request Hook');
    const events = s.hooks.get(hookId)!.events;
    assert.deepEqual(
      events.map((e) => e.responseStatus),
      ['500', '202'],
    );
    assert.equal((await verbs().listFailedDeliveries(hook(), { maxAgeHours: 144, limit: 5 })).failed.length, 0);
  });

  it('does not resend again on the retry of a resend GitLab performed before its answer was lost', async () => {
    const original = await log(500, HOUR);
    const [failed] = (await verbs().listFailedDeliveries(hook(), { maxAgeHours: 144, limit: 5 })).failed;
    gitlab.failAfterWrite(1, 'status500', /resend$/);
    await assert.rejects(verbs().redeliver(hook(), failed!, { retry: false }), (err: ApplicationFailure) => {
      assert.equal(err.type, 'GitLabUnavailable');
      return true;
    });
    assert.equal(gitlab.afterWriteFaults, 1);
    await verbs().redeliver(hook(), failed!, { retry: true });
    const key = original.requestHeaders['Idempotency-Key'];
    assert.equal(received.length, 1, 'one resend reached the receiver');
    assert.equal(s.hooks.get(hookId)!.events.filter((e) => e.requestHeaders['Idempotency-Key'] === key).length, 2);
    // A retry with nothing resent yet does resend.
    const other = await log(500, HOUR);
    await verbs().redeliver(
      hook(),
      { ...failed!, id: other.id, guid: other.requestHeaders['Idempotency-Key']! },
      {
        retry: true,
      },
    );
    assert.equal(received.length, 2);
  });

  it('answers as GitLab does: 401, 403, 404, 400, the status filter, pagination headers, 429 after 5 resends', async () => {
    const get = (path: string, token = 'glpat-bot') =>
      fetch(gitlab.apiUrl + path, { headers: token ? { 'private-token': token } : {} });
    assert.equal((await get(`/projects/acme%2Fapp/hooks/${hookId}/events`, '')).status, 401);
    assert.equal((await get(`/projects/acme%2Fapp/hooks/${hookId}/events`, 'glpat-dev')).status, 403);
    const unknownHook = await get(`/projects/acme%2Fapp/hooks/999999/events`);
    assert.equal(unknownHook.status, 404);
    assert.deepEqual(await unknownHook.json(), { message: '404 Not found' });
    const unknownProject = await get(`/projects/acme%2Fnope/hooks/${hookId}/events`);
    assert.deepEqual([unknownProject.status, await unknownProject.json()], [404, { message: '404 Project Not Found' }]);
    const tooMany = await get(`/projects/acme%2Fapp/hooks/${hookId}/events?per_page=100`);
    assert.deepEqual([tooMany.status, await tooMany.json()], [400, { error: 'per_page does not have a valid value' }]);

    await log(0, HOUR);
    await log(503, HOUR);
    await log(404, HOUR);
    for (let i = 0; i < 21; i++) await log(200, 2 * HOUR);
    const failures = await get(`/projects/7/hooks/${hookId}/events?status=server_failure`);
    assert.deepEqual(((await failures.json()) as { response_status: string }[]).map((e) => e.response_status).sort(), [
      '503',
      'internal error',
    ]);
    const page1 = await get(`/projects/7/hooks/${hookId}/events`);
    assert.equal(page1.headers.get('x-next-page'), '2');
    assert.equal(page1.headers.get('x-total'), '24');
    assert.equal(((await page1.json()) as unknown[]).length, 20);

    const eventId = s.hooks.get(hookId)!.events[0]!.id;
    const resend = () =>
      fetch(`${gitlab.apiUrl}/projects/7/hooks/${hookId}/events/${eventId}/resend`, {
        method: 'POST',
        headers: { 'private-token': 'glpat-bot' },
      });
    for (let i = 0; i < 5; i++) {
      const r = await resend();
      assert.deepEqual([r.status, await r.json()], [201, { response_status: 200 }]);
    }
    const limited = await resend();
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '60');
    const missing = await fetch(`${gitlab.apiUrl}/projects/7/hooks/${hookId}/events/424242/resend`, {
      method: 'POST',
      headers: { 'private-token': 'glpat-bot' },
    });
    assert.equal(missing.status, 404);
  });

  it('reads the configured hooks; max_age_hours stops at GitLab 7 days; each hook names a project or a group', () => {
    const ok = GitLabPlatform.parse({
      redelivery: {
        enabled: true,
        hooks: [
          { project: 'acme/app', hook_id: 3 },
          { group: 'acme/platform', hook_id: 4 },
        ],
      },
    });
    assert.deepEqual(
      [ok.redelivery?.max_age_hours, ok.redelivery?.max_per_run, ok.redelivery?.interval_minutes],
      [144, 5, 10],
    );
    const daemon = { spec: { platforms: { gitlab: ok } } } as unknown as DaemonConfig;
    assert.deepEqual(gitlabRedeliveryHooks(daemon), [
      { forge: 'gitlab', kind: 'project', path: 'acme/app', hookId: 3 },
      { forge: 'gitlab', kind: 'group', path: 'acme/platform', hookId: 4 },
    ]);
    const bad = (redelivery: unknown) => !GitLabPlatform.safeParse({ redelivery }).success;
    assert.ok(bad({ max_age_hours: 169 }));
    assert.ok(bad({ hooks: [{ project: 'acme/app', group: 'acme', hook_id: 1 }] }));
    assert.ok(bad({ hooks: [{ project: 'acme/*', hook_id: 1 }] }));
    assert.ok(bad({ hooks: [{ project: 'acme/app' }] }));
    assert.ok(!bad({ max_age_hours: 168 }));
  });
});
