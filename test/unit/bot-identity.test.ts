// The bot's logins come from its credentials: the App's slug with [bot], a personal token's user, an
// installation token's bot through GraphQL's viewer; bot_name only adds a name. Against the GitHub
// sandbox, which answers /app, /user and GraphQL as GitHub does.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaemonConfig } from '../../src/config/schema.js';
import { createOctokit } from '../../src/forges/github/client.js';
import { botLogins, clientLogin, IDENTITY_RETRY_MS } from '../../src/forges/github/identity.js';
import { carriesProductMarker, isBotLogin, isBotSender } from '../../src/routing/bots.js';
import { GitHubSandbox } from '../../src/sandbox/github/server.js';

describe("the bot's identity", function () {
  const sandbox = new GitHubSandbox();
  let dir: string;
  before(async () => {
    await sandbox.start();
    dir = mkdtempSync(join(tmpdir(), 'aof-identity-'));
  });
  after(async () => {
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const daemon = (github: Record<string, unknown>) =>
    ({ spec: { platforms: { github: { api_url: sandbox.url, ...github } } } }) as unknown as DaemonConfig;

  it("a GitHub App acts as its slug with [bot], learnt from GET /app with the App's JWT", async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'app.pem'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
    sandbox.registerApp(4242, publicKey.export({ type: 'spki', format: 'pem' }) as string);
    assert.deepEqual(await botLogins(daemon({ app: { app_id: 4242, private_key_path: 'app.pem' } }), dir), [
      'aofbot[bot]',
    ]);
    // bot_name adds a name; it never replaces what the credentials say.
    assert.deepEqual(
      await botLogins(daemon({ app: { app_id: 4242, private_key_path: 'app.pem' }, bot_name: 'aofbot' }), dir),
      ['aofbot[bot]', 'aofbot'],
    );
  });

  it("a personal token acts as its user; an installation token as its App's bot (GraphQL viewer)", async () => {
    assert.deepEqual(await botLogins(daemon({ token_env: 'AOF_ID_TOKEN' }), dir, { AOF_ID_TOKEN: 'ghp_personal' }), [
      'sandbox-user',
    ]);
    // GitHub refuses /user to an installation token (403); GraphQL's viewer names its bot.
    assert.deepEqual(
      await botLogins(daemon({ token_env: 'AOF_ID_TOKEN' }), dir, { AOF_ID_TOKEN: 'ghs_installation' }),
      ['aofbot[bot]'],
    );
    assert.deepEqual(
      await botLogins(daemon({ token_env: 'AOF_ID_TOKEN', bot_name: 'aofbot' }), dir, {
        AOF_ID_TOKEN: 'ghp_personal',
      }),
      ['sandbox-user', 'aofbot'],
    );
  });

  it('remembers what it learnt, and a failure for a minute rather than asking on every check', async () => {
    const asked = () => sandbox.requests.filter((r) => r.path === '/user' || r.path === '/graphql').length;
    const good = createOctokit(sandbox.url, 'ghp_personal');
    const before = asked();
    assert.equal(await clientLogin(good), 'sandbox-user');
    assert.equal(await clientLogin(good), 'sandbox-user');
    assert.equal(asked() - before, 1);

    const bad = createOctokit(sandbox.url, undefined); // no token: GitHub answers 401
    const t0 = Date.now();
    assert.equal(await clientLogin(bad, t0), undefined);
    const afterFirst = asked();
    assert.equal(await clientLogin(bad, t0 + 1000), undefined);
    assert.equal(asked(), afterFirst, 'asked again within the minute');
    assert.equal(await clientLogin(bad, t0 + IDENTITY_RETRY_MS + 1), undefined);
    assert.ok(asked() > afterFirst, 'never asked again after the minute');
  });

  it('recognises the bot with or without [bot], and any Bot account', () => {
    assert.ok(isBotLogin('AofBot[bot]', 'aofbot'));
    assert.ok(isBotLogin('aofbot', 'aofbot[bot]'));
    assert.ok(!isBotLogin('aofbot2', 'aofbot'));
    assert.ok(isBotLogin('deploy-bot', ['aofbot[bot]', 'deploy-bot']));
    assert.ok(!isBotLogin('alice', ['aofbot[bot]', '']));
    assert.ok(isBotSender({ login: 'dependabot[bot]', type: 'Bot' }));
    assert.ok(!isBotSender({ login: 'alice', type: 'User' }));
  });

  it("knows the product's own marker in any comment, whoever posted it", () => {
    assert.ok(carriesProductMarker('/review\n<!-- aof-gate-check -->'));
    assert.ok(carriesProductMarker('done <!-- AOF:op=reply/abc -->'));
    assert.ok(!carriesProductMarker('/review please'));
    assert.ok(!carriesProductMarker(undefined));
  });
});
