// `aofctl dev` as a new user runs it: it says "ready" only once a delivery would be handled (a delivery
// sent right after the line reaches the worker and GitHub), the hint to simulate comes after that line,
// nothing it starts listens beyond 127.0.0.1, and its worker starts with the malloc settings.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startAofctl, type AofctlProcess } from '../harness/aofctl-process.js';
import { agentYaml, configDir, daemonYaml, gitlabTriggerYaml, triggerYaml } from '../harness/config-dir.js';
import { freePort } from '../harness/free-port.js';
import { until } from '../harness/until.js';
import { PROCESS_ENV } from '../../src/worker/process-env.js';
import { bitbucketExample } from '../../src/forges/bitbucket/examples/index.js';

const bin = resolve(import.meta.dirname, '../../bin/aofctl.js');

/** Runs `aofctl simulate ...` to its end. */
const simulate = (env: Record<string, string>, ...args: string[]) =>
  new Promise<{ code: number | null; out: string }>((done) => {
    const child = spawn(process.execPath, [bin, 'simulate', ...args], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => done({ code, out }));
  });

/** Whether something accepts TCP connections on host:port. */
const accepts = (host: string, port: number) =>
  new Promise<boolean>((done) => {
    const s = connect({ host, port, timeout: 2000 });
    s.once('connect', () => (s.destroy(), done(true)));
    s.once('error', () => done(false));
    s.once('timeout', () => (s.destroy(), done(false)));
  });

describe('aofctl dev', function () {
  this.timeout(180_000);
  const state = mkdtempSync(join(tmpdir(), 'aof-dev-state-'));
  let dev: AofctlProcess | undefined;
  let ports: { ingress: number; temporal: number; ui: number; sandbox: number; gitlab: number; bitbucket: number };
  const env = () => ({
    AOF_STATE_DIR: state,
    GITHUB_WEBHOOK_SECRET: '',
    GITHUB_TOKEN: '',
    GITLAB_WEBHOOK_SECRET: '',
    GITLAB_TOKEN: '',
    BITBUCKET_WEBHOOK_SECRET: '',
    BITBUCKET_USERNAME: '',
    BITBUCKET_APP_PASSWORD: '',
    MALLOC_ARENA_MAX: '',
  });

  before(async () => {
    ports = {
      ingress: await freePort(),
      temporal: await freePort(),
      ui: await freePort(),
      sandbox: await freePort(),
      gitlab: await freePort(),
      bitbucket: await freePort(),
    };
    const dir = configDir({
      'daemon.yaml': daemonYaml(
        'webhook_secret_env: GITHUB_WEBHOOK_SECRET\ntoken_env: GITHUB_TOKEN',
        `  server: {port: ${ports.ingress}}\n  gates: {directory: gates}\n`,
        // As the shipped daemon.yaml has it: `aofctl dev` sets these variables for its GitLab sandbox.
        'token_env: GITLAB_TOKEN\nwebhook_secret_env: GITLAB_WEBHOOK_SECRET\napi_url: ${GITLAB_API_URL:-https://gitlab.com/api/v4}',
      ).replace(
        '  triggers:',
        // As the shipped daemon.yaml has it: `aofctl dev` sets these variables for its Bitbucket sandbox.
        '    bitbucket: {username_env: BITBUCKET_USERNAME, app_password_env: BITBUCKET_APP_PASSWORD, webhook_secret_env: BITBUCKET_WEBHOOK_SECRET, api_url: "${BITBUCKET_API_URL:-https://api.bitbucket.org/2.0}"}\n  triggers:',
      ),
      'agents/a.yaml': agentYaml('triager', 'builtin:issue-triager'),
      'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
      'triggers/t.yaml': triggerYaml('issues', 'config:\n  github_events: [issues]\ndefault_agent: triager'),
      'triggers/g.yaml': gitlabTriggerYaml('mrs', 'commands:\n  merge_request.open: {gate: afa}'),
      'triggers/b.yaml': triggerYaml('prs', 'commands:\n  pullrequest:created: {gate: afa}').replace(
        'type: GitHub',
        'type: Bitbucket',
      ),
    });
    dev = await startAofctl('dev', join(dir, 'daemon.yaml'), env(), '[aof dev] ready:', [
      '--temporal-port',
      String(ports.temporal),
      '--ui-port',
      String(ports.ui),
      '--sandbox-port',
      String(ports.sandbox),
      '--gitlab-sandbox-port',
      String(ports.gitlab),
      '--bitbucket-sandbox-port',
      String(ports.bitbucket),
    ]);
  });
  after(async () => {
    await dev?.kill('SIGTERM');
    rmSync(state, { recursive: true, force: true });
  });

  it('a delivery sent as soon as it says ready is handled end to end', async () => {
    const sent = await simulate(env(), 'issues', '--action', 'opened');
    assert.equal(sent.code, 0, sent.out);
    assert.match(sent.out, /-> 201 /);
    // The built-in triager's comment reaches the sandbox: the worker was up when "ready" was printed.
    for (let i = 0; ; i++) {
      const comments = (await (await fetch(`http://127.0.0.1:${ports.sandbox}/_sandbox/comments`)).json()) as unknown[];
      if (comments.length) break;
      assert.ok(i < 600, 'no comment within 60 s of the delivery');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('simulate --forge gitlab: the gate reviews the merge request on the GitLab sandbox', async () => {
    const sent = await simulate(env(), '--forge', 'gitlab', 'merge_request', '--action', 'open');
    assert.equal(sent.code, 0, sent.out);
    assert.match(sent.out, /-> 201 /);
    const gitlab = `http://127.0.0.1:${ports.gitlab}/_sandbox`;
    // The seeded change has an eval: the gate's status fails, with one summary note on the merge request.
    await until('the gate status and its note on the GitLab sandbox', async () => {
      const statuses = (await (await fetch(`${gitlab}/statuses`)).json()) as { name: string; status: string }[];
      const notes = (await (await fetch(`${gitlab}/notes`)).json()) as { body: string; mr: number }[];
      return (
        statuses.some((x) => x.name === 'AFA Gate Check' && x.status === 'failed') &&
        notes.some((n) => n.mr === 1 && /AFA/.test(n.body))
      );
    });
  });

  it('simulate --forge bitbucket: the gate reviews the pull request on the Bitbucket sandbox', async () => {
    const sent = await simulate(env(), '--forge', 'bitbucket', 'pullrequest:created');
    assert.equal(sent.code, 0, sent.out);
    assert.match(sent.out, /-> 201 /);
    const bitbucket = `http://127.0.0.1:${ports.bitbucket}/_sandbox`;
    // The seeded change has an eval: the gate's build status fails, with one summary comment by the bot.
    await until('the gate build status and its comment on the Bitbucket sandbox', async () => {
      const statuses = (await (await fetch(`${bitbucket}/statuses`)).json()) as { name: string; state: string }[];
      const comments = (await (await fetch(`${bitbucket}/comments`)).json()) as { raw: string; prId: number }[];
      return (
        statuses.some((x) => x.name === 'AFA Gate Check' && x.state === 'FAILED') &&
        comments.filter((c) => c.prId === 7 && /AFA/.test(c.raw)).length === 1
      );
    });
    const reports = (await (await fetch(`${bitbucket}/reports`)).json()) as { annotations: { path: string }[] }[];
    assert.ok(
      reports.some((r) => r.annotations.some((a) => a.path === 'src/greeting.ts')),
      JSON.stringify(reports),
    );
  });

  it("simulate --forge bitbucket pr:opened: Data Center's pull request is seeded and reviewed as Cloud's is", async () => {
    const opened = bitbucketExample('pr:opened').pullRequest;
    const repo = `${opened.toRef.repository.project.key}/${opened.toRef.repository.slug}`;
    const sent = await simulate(env(), '--forge', 'bitbucket', 'pr:opened');
    assert.equal(sent.code, 0, sent.out);
    assert.match(sent.out, /-> 201 /);
    const bitbucket = `http://127.0.0.1:${ports.bitbucket}/_sandbox`;
    type Written = { repo: string; commit?: string; name?: string; state?: string; raw?: string; prId?: number };
    const read = async (what: string) =>
      ((await (await fetch(`${bitbucket}/${what}`)).json()) as Written[]).filter((x) => x.repo === repo);
    // The seeded change has an eval: the gate's build status on the payload's head fails, one summary comment.
    await until(`the gate build status and its comment on ${repo}#${opened.id}`, async () => {
      const [statuses, comments] = [await read('statuses'), await read('comments')];
      return (
        statuses.some(
          (x) => x.name === 'AFA Gate Check' && x.state === 'FAILED' && x.commit === opened.fromRef.latestCommit,
        ) && comments.filter((c) => c.prId === opened.id && /AFA/.test(c.raw!)).length === 1
      );
    });
  });

  it('says ready after the worker and the ingress said they started, and the hint to simulate after that', () => {
    const out = dev!.output();
    const ready = out.indexOf('[aof dev] ready:');
    for (const started of ['"worker started"', 'ingress listening']) {
      const at = out.indexOf(started);
      assert.ok(at >= 0 && at < ready, `${started} before the ready line:\n${out}`);
    }
    assert.ok(out.indexOf('[aof dev] try: npx aofctl simulate') > ready, out);
  });

  it('starts the worker with the malloc settings that bound its memory (src/worker/process-env.ts)', () => {
    const pid = dev!.child.pid!;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
    const worker = children.find((c) => readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0').includes('worker'));
    assert.ok(worker, `no worker among the children ${children.join(', ')}`);
    const environ = new Set(readFileSync(`/proc/${worker}/environ`, 'utf8').split('\0'));
    for (const [name, value] of Object.entries(PROCESS_ENV)) assert.ok(environ.has(`${name}=${value}`), name);
  });

  it('listens on 127.0.0.1 only', async () => {
    assert.equal(await accepts('127.0.0.1', ports.ingress), true);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    assert.ok(external, 'this test needs a non-loopback IPv4 address to try');
    for (const port of [ports.ingress, ports.sandbox, ports.gitlab, ports.bitbucket, ports.temporal, ports.ui])
      assert.equal(await accepts(external, port), false, `port ${port} answers on ${external}`);
  });
});
