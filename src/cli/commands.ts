// Every aofctl command: its options (for node:util parseArgs), its help text, and what it runs.
// One table, so `aofctl --help`, `aofctl <command> --help` and the parser cannot disagree.
import { PROCESS_ENV } from '../worker/process-env.js';
import { DEFAULT_WORKER_V8_FLAGS } from '../worker/v8-flags.js';
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Option lines of the help, in order. */
  help: string;
  options: Options;
  positionals?: number;
  /** An exit code, or -1 for a command that keeps running. */
  run: (values: Values, positionals: string[]) => Promise<number>;
}

const config: Options = { config: { type: 'string', short: 'c', default: 'daemon.yaml' } };
const configHelp = '  -c, --config FILE   the DaemonConfig (default daemon.yaml); resource folders are relative to it';

const port = (v: unknown, name: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be a port number, got "${v}"`);
  return n;
};

export const COMMANDS: Command[] = [
  {
    name: 'serve',
    summary: 'run the webhook ingress (POST /webhook/github, GET /health, /ready, /metrics)',
    usage: 'aofctl serve [--config daemon.yaml]',
    help: configHelp,
    options: config,
    run: async (v) => {
      await (await import('./serve.js')).serve(String(v.config));
      return -1;
    },
  },
  {
    name: 'worker',
    summary: 'run a Temporal worker (workflows, model and GitHub activities); start as many as you need',
    usage: 'aofctl worker [--config daemon.yaml]',
    help: [
      configHelp,
      `Start it with ${Object.entries(PROCESS_ENV)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')} (aofctl dev and the image do): glibc then gives freed memory back.`,
      `AOF_WORKER_V8_FLAGS: V8 flags the worker sets on itself (default ${DEFAULT_WORKER_V8_FLAGS}: heaps kept near`,
      `what is live; empty for V8's defaults).`,
    ].join('\n'),
    options: config,
    run: async (v) => {
      await (await import('./worker.js')).worker(String(v.config));
      return 0;
    },
  },
  {
    name: 'dev',
    summary:
      'Temporal dev server + worker + ingress + GitHub, GitLab and Bitbucket sandboxes on 127.0.0.1, no credentials',
    usage:
      'aofctl dev [--config daemon.yaml] [--temporal-port 7233] [--ui-port 8233] [--sandbox-port 3100] [--gitlab-sandbox-port 3101] [--bitbucket-sandbox-port 3102]',
    help: [
      configHelp,
      '  --temporal-port N   the Temporal dev server (default 7233)',
      '  --ui-port N         the Temporal Web UI (default 8233)',
      '  --sandbox-port N    the GitHub sandbox (default 3100)',
      '  --gitlab-sandbox-port N  the GitLab sandbox (default 3101)',
      '  --bitbucket-sandbox-port N  the Bitbucket sandbox (default 3102)',
      'State (Temporal and the GitHub sandbox) is kept in .aof/; delete that folder to start afresh.',
    ].join('\n'),
    options: {
      ...config,
      'temporal-port': { type: 'string', default: '7233' },
      'ui-port': { type: 'string', default: '8233' },
      'sandbox-port': { type: 'string', default: '3100' },
      'gitlab-sandbox-port': { type: 'string', default: '3101' },
      'bitbucket-sandbox-port': { type: 'string', default: '3102' },
    },
    run: async (v) => {
      await (
        await import('./dev.js')
      ).dev({
        config: String(v.config),
        temporalPort: port(v['temporal-port'], 'temporal-port'),
        uiPort: port(v['ui-port'], 'ui-port'),
        sandboxPort: port(v['sandbox-port'], 'sandbox-port'),
        gitlabSandboxPort: port(v['gitlab-sandbox-port'], 'gitlab-sandbox-port'),
        bitbucketSandboxPort: port(v['bitbucket-sandbox-port'], 'bitbucket-sandbox-port'),
      });
      return -1;
    },
  },
  {
    name: 'validate',
    summary: 'check every resource; prints file:line:column for each problem, exit 1 if any',
    usage: 'aofctl validate [--config daemon.yaml] [FILE or FOLDER ...]',
    help: [
      configHelp,
      '  FILE or FOLDER      check these instead: a DaemonConfig file (as --config), or resource files and',
      '                      folders without one (AOF examples as written); there an unset ${VAR} is a warning',
    ].join('\n'),
    options: config,
    positionals: Number.MAX_SAFE_INTEGER,
    run: async (v, positionals) => (await import('./validate.js')).validate(String(v.config), positionals),
  },
  {
    name: 'simulate',
    summary:
      "send a signed GitHub payload (from @octokit/webhooks-examples or a file), or GitLab's or Bitbucket's example, to a running ingress",
    usage: 'aofctl simulate <event> [options]',
    help: [
      "  --forge F           github (default) or gitlab: GitLab's documented example payloads (merge_request, note,",
      '                      pipeline, push) with the headers GitLab sends, to <url>/webhook/gitlab; or bitbucket:',
      "                      Bitbucket's documented examples by event key (Cloud: pullrequest:created...; Data",
      '                      Center: pr:opened...), signed and with its headers, to <url>/webhook/bitbucket',
      '  --action A          the payload action, e.g. opened, created, rerequested (GitLab: open, update, merge,',
      "                      close, reopen, approved; a pipeline's status, e.g. failed)",
      '  --body TEXT         the comment body, e.g. "/review" or "/deploy production" (GitLab: a note\'s text)',
      '  --sender LOGIN      who sent the event (and wrote the comment), e.g. octocat',
      '  --number N          the issue or pull request number (deployment_protection_rule: the pull request of the',
      "                      deployment's commit; without it, a push's deployment, approved on its commit)",
      '  --pr                make an issue_comment a comment on a pull request (as /review and /approve need)',
      '  --payload FILE      send this JSON file instead of the example (the options above still apply)',
      '  --repo owner/name   point the payload at another repository',
      "  --delivery GUID     the X-GitHub-Delivery, GitLab's Idempotency-Key, Bitbucket's X-Request-UUID (repeat one",
      '                      to try a redelivery)',
      '  --url URL           the ingress (default: the one `aofctl dev` started, else localhost:3000)',
      '  --secret S          the webhook secret (default: GITHUB_WEBHOOK_SECRET, else the dev secret; GitLab: the',
      "                      X-Gitlab-Token, by default platforms.gitlab.webhook_secret_env or a GitLab Trigger's;",
      "                      Bitbucket: likewise platforms.bitbucket's or a Bitbucket Trigger's)",
      '  -c, --config FILE   where a GitLab or Bitbucket webhook secret is read (default daemon.yaml)',
      'examples:',
      '  aofctl simulate pull_request --action opened',
      '  aofctl simulate issue_comment --action created --pr --number 1 --body "/review"',
      '  aofctl simulate issue_comment --action created --pr --number 1 --body "/deploy production"',
      '  aofctl simulate issue_comment --action created --pr --number 1 --sender octocat --body "/approve"',
      '  aofctl simulate deployment_protection_rule --number 1',
      '  aofctl simulate --forge gitlab merge_request --action open',
      '  aofctl simulate --forge gitlab note --body "/review"',
      '  aofctl simulate --forge bitbucket pullrequest:created',
      '  aofctl simulate --forge bitbucket pr:comment:added --body "/review"',
    ].join('\n'),
    options: {
      ...config,
      forge: { type: 'string', default: 'github' },
      action: { type: 'string' },
      body: { type: 'string' },
      sender: { type: 'string' },
      number: { type: 'string' },
      pr: { type: 'boolean' },
      payload: { type: 'string' },
      repo: { type: 'string' },
      url: { type: 'string' },
      secret: { type: 'string' },
      delivery: { type: 'string' },
    },
    positionals: 1,
    run: async (v, positionals) => {
      const event = positionals[0];
      if (!event) throw new UsageError('simulate: name an event, e.g. `aofctl simulate pull_request --action opened`');
      if (v.forge === 'gitlab' || v.forge === 'bitbucket') {
        // Bitbucket's event key names the action; only GitHub's payloads take the rest.
        const notHere = [...(v.forge === 'bitbucket' ? ['action'] : []), 'sender', 'number', 'pr', 'payload', 'repo'];
        const given = notHere.find((k) => v[k] !== undefined);
        if (given)
          throw new UsageError(
            `simulate --forge ${v.forge}: --${given} applies to ${given === 'action' ? 'GitHub and GitLab' : 'GitHub'} payloads only`,
          );
        const common = {
          event,
          body: v.body as string | undefined,
          url: v.url as string | undefined,
          secret: v.secret as string | undefined,
          delivery: v.delivery as string | undefined,
          config: String(v.config),
        };
        if (v.forge === 'bitbucket') return (await import('./simulate-bitbucket.js')).simulateBitbucket(common);
        const { simulateGitLab } = await import('./simulate-gitlab.js');
        return simulateGitLab({ ...common, action: v.action as string | undefined });
      }
      if (v.forge !== 'github')
        throw new UsageError(`--forge must be github, gitlab or bitbucket, got "${String(v.forge)}"`);
      let number: number | undefined;
      if (v.number !== undefined) {
        number = Number(v.number);
        if (!Number.isInteger(number) || number < 1) throw new UsageError(`--number must be a positive integer`);
      }
      const { simulate } = await import('./simulate.js');
      return simulate({
        event,
        action: v.action as string | undefined,
        body: v.body as string | undefined,
        sender: v.sender as string | undefined,
        number,
        pr: v.pr === true,
        payloadFile: v.payload as string | undefined,
        repo: v.repo as string | undefined,
        url: v.url as string | undefined,
        secret: v.secret as string | undefined,
        delivery: v.delivery as string | undefined,
      });
    },
  },
  {
    name: 'mcp',
    summary:
      'serve the daemon to coding agents as an MCP server (streamable HTTP at /mcp): gate findings, deploy requests, request_review',
    usage: 'aofctl mcp [--config daemon.yaml] [--port N] [--host H]',
    help: [
      configHelp,
      '  --port N            listen here instead of spec.mcp.port (default 3030)',
      '  --host H            listen here instead of spec.mcp.host (default 127.0.0.1)',
      'Needs spec.mcp.tokens in the DaemonConfig: one bearer token per organization, from the environment',
      'variable each entry names. See docs/mcp.md.',
    ].join('\n'),
    options: { ...config, port: { type: 'string' }, host: { type: 'string' } },
    run: async (v) => {
      await (
        await import('./mcp.js')
      ).mcp(String(v.config), {
        ...(v.port !== undefined ? { port: port(v.port, 'port') } : {}),
        ...(typeof v.host === 'string' ? { host: v.host } : {}),
      });
      return -1;
    },
  },
];

export function commandHelp(c: Command): string {
  return `usage: ${c.usage}\n\n${c.summary}\n\noptions:\n${c.help}\n  -h, --help          this help\n`;
}

export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return `usage: aofctl <command> [options]

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

\`aofctl <command> --help\` describes a command's options. \`aofctl --version\` prints the version.

environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (default), AOF_TASK_QUEUE (aof),
             AOF_PORT, AOF_HOST, GITHUB_API_URL, LOG_LEVEL; secrets through the variables daemon.yaml names;
             AOF_METRICS_PORT (worker /metrics, /health, /ready; off when unset), AOF_SDK_METRICS_PORT;
             AOF_WORKER_V8_FLAGS (the worker's V8 flags; default ${DEFAULT_WORKER_V8_FLAGS});
             OTEL_EXPORTER_OTLP_ENDPOINT (traces over OTLP/HTTP; off when unset)
`;
}
