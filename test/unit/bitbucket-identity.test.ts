// The Bitbucket bot's names as the ingress learns them (issue 27): on Cloud the account's nickname from
// `GET /2.0/user`, once per distinct credential (Bitbucket Triggers' and platforms.bitbucket's); on Data
// Center the user its answers name (`X-AUSERNAME`), with Basic auth or an HTTP access token (Bearer). A
// credential Bitbucket refuses or cannot answer for leaves the names not yet known (the ingress asks again).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { bitbucketBotNames } from '../../src/forges/bitbucket/identity.js';
import { BitbucketSandbox } from '../../src/sandbox/bitbucket/index.js';
import { configDir, triggerYaml } from '../harness/config-dir.js';

const daemon = (platform: string) => `apiVersion: aof.dev/v1
kind: DaemonConfig
metadata: {name: test}
spec:
  platforms:
    github: {webhook_secret_env: AOF_TEST_WEBHOOK_SECRET}
    bitbucket: {webhook_secret_env: AOF_TEST_BITBUCKET_SECRET${platform}}
  triggers: {directory: triggers}
`;
const trigger = (name: string, config: string) =>
  triggerYaml(name, `config:\n${config.replace(/^/gm, '  ')}`).replace('type: GitHub', 'type: Bitbucket');

describe("Bitbucket bot's names from its credentials (issue 27)", () => {
  const bitbucket = new BitbucketSandbox();
  before(async () => {
    await bitbucket.start();
    bitbucket.state.addUser({ nickname: 'platform-bot', email: 'bot@example.test', password: 'api-token' });
    bitbucket.state.addUser({ nickname: 'team-bot', token: 'team-access-token', app: true });
  });
  after(() => bitbucket.stop());
  beforeEach(() => bitbucket.reset());

  const cloud = (teamToken: string) => {
    const dir = configDir({
      'daemon.yaml': daemon(
        `, username_env: BB_USER, app_password_env: BB_TOKEN, api_url: "${bitbucket.apiUrl}", bot_name: configured-name`,
      ),
      'triggers/t.yaml': trigger(
        'team',
        `oauth_token: ${teamToken}\napi_url: ${bitbucket.apiUrl}\nwebhook_secret: s\nrepositories: ["team/*"]`,
      ),
    });
    return loadConfig(join(dir, 'daemon.yaml'));
  };
  const env = { BB_USER: 'bot@example.test', BB_TOKEN: 'api-token' };

  it("Cloud: GET /user once per credential, the Trigger's and the platform's; bot_name is not learnt", async () => {
    assert.deepEqual(await bitbucketBotNames(cloud('team-access-token'), env), {
      names: ['team-bot', 'platform-bot'],
      known: true,
    });
    assert.deepEqual(
      bitbucket.requests.map((r) => `${r.method} ${r.path} ${r.nickname}`),
      ['GET /2.0/user team-bot', 'GET /2.0/user platform-bot'],
    );
  });

  it('a credential Bitbucket refuses (401) or cannot answer for (503) leaves the names not known', async () => {
    assert.deepEqual(await bitbucketBotNames(cloud('revoked-token'), env), { names: ['platform-bot'], known: false });
    bitbucket.failNext(1, 503);
    assert.equal((await bitbucketBotNames(cloud('team-access-token'), {})).known, false);
    assert.deepEqual(await bitbucketBotNames(cloud('team-access-token'), {}), { names: ['team-bot'], known: true });
  });

  it('Data Center: the user its answers name (X-AUSERNAME), with Basic auth and with an HTTP access token', async () => {
    bitbucket.state.addUser({ nickname: 'jsmith', password: 'dc-password' });
    bitbucket.state.addUser({ nickname: 'dc-token-user', token: 'dc-http-token' });
    const api = bitbucket.dataCenterApiUrl;
    const dir = configDir({
      'daemon.yaml': daemon(`, username_env: BB_USER, app_password_env: BB_TOKEN, api_url: "${api}"`),
      'triggers/t.yaml': trigger('dc-token', `oauth_token: dc-http-token\napi_url: ${api}\nrepositories: ["PROJ/*"]`),
    });
    const res = loadConfig(join(dir, 'daemon.yaml'));
    assert.deepEqual(await bitbucketBotNames(res, { BB_USER: 'jsmith', BB_TOKEN: 'dc-password' }), {
      names: ['dc-token-user', 'jsmith'],
      known: true,
    });
    assert.ok(
      bitbucket.requests.every((r) => r.method === 'GET' && r.path.startsWith('/rest/api/1.0/')),
      JSON.stringify(bitbucket.requests.map((r) => r.path)),
    );
  });
});
