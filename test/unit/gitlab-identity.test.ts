// The GitLab bot's usernames as the ingress learns them (issue 26): GET /user with every token the
// configuration gives (platforms.gitlab.token_env and each GitLab Trigger's token), each asked once; a
// token GitLab does not answer for leaves the names not yet known (the ingress asks again), and bot_name is
// no part of what is learnt.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { gitlabBotNames } from '../../src/forges/gitlab/identity.js';
import { GitLabSandbox } from '../../src/sandbox/gitlab/index.js';
import { configDir, gitlabDaemonYaml, gitlabTriggerYaml } from '../harness/config-dir.js';

describe("GitLab bot's usernames from its tokens (issue 26)", () => {
  const gitlab = new GitLabSandbox();
  before(async () => {
    await gitlab.start();
    gitlab.state.addUser({ username: 'platform-bot', token: 'glpat-platform' });
    gitlab.state.addUser({ username: 'team-bot', token: 'glpat-team' });
  });
  after(() => gitlab.stop());
  beforeEach(() => gitlab.reset());

  const resources = (triggerToken: string) => {
    const dir = configDir({
      'daemon.yaml': gitlabDaemonYaml(['triggers'], 'bot_name: configured-name'),
      'triggers/t.yaml': gitlabTriggerYaml(
        'team',
        `config:\n  token: ${triggerToken}\n  api_url: ${gitlab.apiUrl}\n  webhook_secret: s\n  projects: ["team/*"]`,
      ),
    });
    const r = loadConfig(join(dir, 'daemon.yaml'));
    r.daemon.spec.platforms.gitlab!.api_url = gitlab.apiUrl;
    return r;
  };
  const env = { AOF_TEST_GITLAB_TOKEN: 'glpat-platform' };

  it("asks GET /user once per token: the Trigger's and the platform's", async () => {
    assert.deepEqual(await gitlabBotNames(resources('glpat-team'), env), {
      names: ['team-bot', 'platform-bot'],
      known: true,
    });
    assert.deepEqual(
      gitlab.requests.map((r) => `${r.method} ${r.path} ${r.username}`),
      ['GET /api/v4/user team-bot', 'GET /api/v4/user platform-bot'],
    );
    // The same token twice is asked once.
    gitlab.reset();
    assert.deepEqual((await gitlabBotNames(resources('glpat-platform'), env)).names, ['platform-bot']);
    assert.equal(gitlab.requests.length, 1);
  });

  it('a token GitLab refuses or cannot answer for (503) leaves the names not known', async () => {
    assert.deepEqual(await gitlabBotNames(resources('glpat-revoked'), env), { names: ['platform-bot'], known: false });
    gitlab.failNext(1, 503);
    assert.equal((await gitlabBotNames(resources('glpat-team'), {})).known, false);
    assert.deepEqual(await gitlabBotNames(resources('glpat-team'), {}), { names: ['team-bot'], known: true });
  });
});
