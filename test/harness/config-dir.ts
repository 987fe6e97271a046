// Writes a throw-away configuration directory from a map of relative paths to YAML texts.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aof-test-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

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

export const agentYaml = (name: string, model = 'builtin:assistant') =>
  `apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: ${name}}\nspec:\n  model: ${model}\n`;

export const triggerYaml = (name: string, body: string) =>
  `apiVersion: aof.dev/v1\nkind: Trigger\nmetadata: {name: ${name}}\nspec:\n  type: GitHub\n${body.replace(/^/gm, '  ')}\n`;

/** A daemon with the gate `afa` (title AFA) and one trigger binding `commands` (YAML) to it. */
export const gateConfig = (events: string[], commands: string) => ({
  'daemon.yaml': daemonYaml(
    'webhook_secret_env: AOF_TEST_WEBHOOK_SECRET\ntoken_env: AOF_TEST_GITHUB_TOKEN',
    '  gates: {directory: gates}\n',
  ),
  'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
  'triggers/t.yaml': triggerYaml('gate', `config:\n  github_events: [${events.join(', ')}]\ncommands:\n${commands}`),
});
