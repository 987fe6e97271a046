// The bot's login comes from its credentials: the App's slug with [bot], or a personal token's user;
// bot_name overrides. Against the GitHub sandbox, which answers /app and /user as GitHub does.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaemonConfig } from '../../src/config/schema.js';
import { botLogin } from '../../src/github/identity.js';
import { isBotLogin, isBotSender } from '../../src/routing/bots.js';
import { GitHubSandbox } from '../../src/sandbox/github-sandbox.js';

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
    assert.equal(await botLogin(daemon({ app: { app_id: 4242, private_key_path: 'app.pem' } }), dir), 'aofbot[bot]');
  });

  it('a personal token acts as its user; an installation token cannot say, and bot_name overrides both', async () => {
    assert.equal(
      await botLogin(daemon({ token_env: 'AOF_ID_TOKEN' }), dir, { AOF_ID_TOKEN: 'ghp_personal' }),
      'sandbox-user',
    );
    assert.equal(
      await botLogin(daemon({ token_env: 'AOF_ID_TOKEN' }), dir, { AOF_ID_TOKEN: 'ghs_installation' }),
      undefined,
    );
    assert.equal(
      await botLogin(daemon({ token_env: 'AOF_ID_TOKEN', bot_name: 'deploy-bot' }), dir, {
        AOF_ID_TOKEN: 'ghp_personal',
      }),
      'deploy-bot',
    );
  });

  it('recognises the bot with or without [bot], and any Bot account', () => {
    assert.ok(isBotLogin('AofBot[bot]', 'aofbot'));
    assert.ok(isBotLogin('aofbot', 'aofbot[bot]'));
    assert.ok(!isBotLogin('aofbot2', 'aofbot'));
    assert.ok(isBotSender({ login: 'dependabot[bot]', type: 'Bot' }));
    assert.ok(!isBotSender({ login: 'alice', type: 'User' }));
  });
});
