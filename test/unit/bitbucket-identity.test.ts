// The Bitbucket bot's names as the ingress learns them (issue 27): on Cloud the account's nickname from
// `GET /2.0/user`, once per distinct credential (Bitbucket Triggers' and platforms.bitbucket's); on Data
// Center with Basic auth the user's name from `GET /rest/api/1.0/users/{username}`; a Data Center HTTP
// access token (Bearer) names nobody, and validation says bot_name is needed there. A credential Bitbucket
// refuses or cannot answer for leaves the names not yet known (the ingress asks again).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
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

/** A Data Center stand-in answering `GET /rest/api/1.0/users/{slug}` for one Basic account, 401 otherwise. */
function dataCenter(): Promise<{ url: string; server: Server; asked: string[] }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    asked.push(`${req.method} ${req.url} ${req.headers.authorization?.split(' ')[0]}`);
    const ok = req.headers.authorization === `Basic ${Buffer.from('jsmith:dc-token').toString('base64')}`;
    const body = ok
      ? req.url === '/rest/api/1.0/users/jsmith'
        ? {
            name: 'jsmith',
            emailAddress: 'jsmith@example.com',
            id: 101,
            displayName: 'J Smith',
            active: true,
            slug: 'jsmith',
            type: 'NORMAL',
          }
        : { errors: [{ context: null, message: 'User does not exist', exceptionName: 'NoSuchUserException' }] }
      : { errors: [{ context: null, message: 'Authentication failed', exceptionName: 'NotAuthorizedException' }] };
    res.writeHead(ok ? ('name' in body ? 200 : 404) : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server, asked }),
    ),
  );
}

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

  it('Data Center: Basic auth asks GET /users/{username}; a Bearer HTTP access token is not asked, and validation wants bot_name', async () => {
    const dc = await dataCenter();
    try {
      const api = `${dc.url}/rest/api/1.0`;
      const dir = configDir({
        'daemon.yaml': daemon(`, username_env: BB_USER, app_password_env: BB_TOKEN, api_url: "${api}"`),
        'triggers/t.yaml': trigger('dc-token', `oauth_token: dc-http-token\napi_url: ${api}\nrepositories: ["PROJ/*"]`),
      });
      const res = loadConfig(join(dir, 'daemon.yaml'));
      assert.deepEqual(await bitbucketBotNames(res, { BB_USER: 'jsmith', BB_TOKEN: 'dc-token' }), {
        names: ['jsmith'],
        known: true,
      });
      assert.deepEqual(dc.asked, ['GET /rest/api/1.0/users/jsmith Basic']);
      const warned = (res.warnings ?? []).map((w) => w.message).filter((m) => /bot_name/.test(m));
      assert.equal(warned.length, 1, JSON.stringify(res.warnings));
      assert.match(warned[0]!, /Trigger "dc-token": Bitbucket Data Center does not say whose an HTTP access token/);
      // With bot_name set, no warning.
      const named = configDir({
        'daemon.yaml': daemon(`, api_url: "${api}", bot_name: aof-dc`),
        'triggers/t.yaml': trigger('dc-token', `oauth_token: dc-http-token\napi_url: ${api}\nbot_name: aof-dc`),
      });
      const quiet = loadConfig(join(named, 'daemon.yaml'));
      assert.deepEqual(
        (quiet.warnings ?? []).filter((w) => /bot_name/.test(w.message)),
        [],
      );
    } finally {
      dc.server.close();
    }
  });
});
