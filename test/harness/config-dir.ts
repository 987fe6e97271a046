// Writes a throw-away configuration directory from a map of relative paths to YAML texts.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Resources } from '../../src/config/load.js';

export function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aof-test-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** `platforms.github` of the test daemons: the sandbox's webhook secret and token, from the test environment. */
export const GITHUB_TEST_PLATFORM = 'webhook_secret_env: AOF_TEST_WEBHOOK_SECRET\ntoken_env: AOF_TEST_GITHUB_TOKEN';

/** A DaemonConfig with `platforms.github` (YAML) and, when given, `platforms.gitlab`; `extra` goes under spec. */
export const daemonYaml = (github: string, extra = '', gitlab?: string) => `apiVersion: aof.dev/v1
kind: DaemonConfig
metadata: {name: test}
spec:
  platforms:
    github:
${github.replace(/^/gm, '      ')}
${gitlab ? `    gitlab:\n${gitlab.replace(/^/gm, '      ')}\n` : ''}  triggers: {directory: triggers, watch: true}
  agents: {directory: agents}
${extra}`;

/**
 * GitHub's per-minute and per-hour budgets of content-creating requests raised, as in the benches: for suites
 * whose scenarios together write more than 80 comments a minute and would wait a minute for the pacer, which
 * has tests of its own (github-request-rate). A line of `platforms.github`.
 */
export const RAISED_CONTENT_LIMITS =
  'limits: {content_creating_per_minute: 100000, content_creating_per_hour: 1000000}';

export const agentYaml = (name: string, model = 'builtin:assistant') =>
  `apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: ${name}}\nspec:\n  model: ${model}\n`;

export const triggerYaml = (name: string, body: string) =>
  `apiVersion: aof.dev/v1\nkind: Trigger\nmetadata: {name: ${name}}\nspec:\n  type: GitHub\n${body.replace(/^/gm, '  ')}\n`;

export const gitlabTriggerYaml = (name: string, body: string) =>
  triggerYaml(name, body).replace('type: GitHub', 'type: GitLab');

/** A daemon with the gate `afa` (title AFA) and one trigger binding `commands` (YAML) to it. */
export const gateConfig = (events: string[], commands: string) => ({
  'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  gates: {directory: gates}\n'),
  'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
  'triggers/t.yaml': triggerYaml('gate', `config:\n  github_events: [${events.join(', ')}]\ncommands:\n${commands}`),
});

/** A daemon serving GitHub and another forge (`platform`: its `platforms` entry, one line), with `dirs` and `extra` lines of its spec. */
export const forgeDaemonYaml = (platform: string, dirs: string[], extra = '') => `apiVersion: aof.dev/v1
kind: DaemonConfig
metadata: {name: test}
spec:
  platforms:
    github: {webhook_secret_env: AOF_TEST_WEBHOOK_SECRET, token_env: AOF_TEST_GITHUB_TOKEN}
    ${platform}
${dirs.map((d) => `  ${d}: {directory: ${d}}\n`).join('')}${extra}`;

/**
 * A daemon serving GitHub and GitLab (token and webhook secret from AOF_TEST_GITLAB_TOKEN and
 * AOF_TEST_GITLAB_SECRET; `gitlab` adds keys to platforms.gitlab), with `dirs` (`triggers`, `gates`...)
 * and `extra` lines of its spec.
 */
export const gitlabDaemonYaml = (dirs: string[], gitlab = '', extra = '') =>
  forgeDaemonYaml(
    `gitlab: {token_env: AOF_TEST_GITLAB_TOKEN, webhook_secret_env: AOF_TEST_GITLAB_SECRET${gitlab ? `, ${gitlab}` : ''}}`,
    dirs,
    extra,
  );

/**
 * The stack options that point a daemon of `gitlabDaemonYaml` at a GitLab sandbox: the token (its bot's) and
 * webhook secret the YAML names, and the sandbox's API URL.
 */
export const onGitLabSandbox = (gitlab: { apiUrl: string }, token = 'glpat-bot') => ({
  env: () => ({ AOF_TEST_GITLAB_TOKEN: token, AOF_TEST_GITLAB_SECRET: 'gl-secret' }),
  mutate: (r: Resources) => void (r.daemon.spec.platforms.gitlab!.api_url = gitlab.apiUrl),
});
