// aofctl: the command line of aof-temporal.
import { parseArgs } from 'node:util';

const USAGE = `usage: aofctl <command> [options]

commands:
  serve     --config daemon.yaml   run the webhook ingress (POST /webhook/github, GET /health, /ready, /metrics)
  worker    --config daemon.yaml   run a Temporal worker (workflows, model and GitHub activities)
  dev       [--config daemon.yaml] Temporal dev server + worker + ingress + GitHub sandbox, no credentials
  validate  [--config daemon.yaml] check every resource; prints file:line:column for each problem
  simulate  <event> [--action A] [--repo owner/name] [--url U] [--secret S] [--delivery GUID]
            send a signed real payload from @octokit/webhooks-examples to a running ingress

environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (default), AOF_TASK_QUEUE (aof),
             AOF_PORT, GITHUB_API_URL, LOG_LEVEL; secrets through the variables daemon.yaml names;
             AOF_METRICS_PORT (worker /metrics, /health, /ready; off when unset), AOF_SDK_METRICS_PORT;
             OTEL_EXPORTER_OTLP_ENDPOINT (traces over OTLP/HTTP; off when unset)`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c', default: 'daemon.yaml' },
      action: { type: 'string' },
      repo: { type: 'string' },
      url: { type: 'string' },
      secret: { type: 'string' },
      delivery: { type: 'string' },
      'temporal-port': { type: 'string', default: '7233' },
      'ui-port': { type: 'string', default: '8233' },
      'sandbox-port': { type: 'string', default: '3100' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (!command || values.help || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  switch (command) {
    case 'serve':
      await (await import('./serve.js')).serve(values.config!);
      return -1; // keeps running
    case 'worker':
      await (await import('./worker.js')).worker(values.config!);
      return 0;
    case 'dev':
      await (
        await import('./dev.js')
      ).dev({
        config: values.config!,
        temporalPort: Number(values['temporal-port']),
        uiPort: Number(values['ui-port']),
        sandboxPort: Number(values['sandbox-port']),
      });
      return -1;
    case 'validate':
      return (await import('./validate.js')).validate(values.config!);
    case 'simulate': {
      if (!positionals[0]) {
        process.stderr.write('aofctl simulate: name an event, e.g. `aofctl simulate pull_request --action opened`\n');
        return 2;
      }
      const { simulate } = await import('./simulate.js');
      return simulate({
        event: positionals[0],
        action: values.action,
        repo: values.repo,
        url: values.url,
        secret: values.secret,
        delivery: values.delivery,
      });
    }
    default:
      process.stderr.write(`aofctl: unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`aofctl: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
