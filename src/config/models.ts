// Checks of the models agents and gates name: an unknown provider or built-in model is an error; a
// provider whose key is not set here, with no offline model to answer instead, is a warning (the
// workers may have the key even where `aofctl validate` runs without it).
import {
  BUILTIN_AGENT_MODELS,
  BUILTIN_GATE_MODELS,
  isModelProvider,
  keyEnvNames,
  MODEL_PROVIDERS,
  splitModel,
  type EndpointConfig,
} from '../agents/providers.js';
import { problemAt, type Sourced } from './parse-resources.js';
import { didYouMean, type ConfigProblem } from './problems.js';
import type { Agent, DaemonConfig, Gate } from './schema.js';

interface ModelUse {
  at: Sourced<unknown>;
  path: string;
  model: string;
  builtins: readonly string[];
}

function uses(
  agents: Iterable<Sourced<Agent>>,
  gates: Iterable<Sourced<Gate>>,
): (ModelUse & { offline?: string; endpoint?: EndpointConfig })[] {
  const out: (ModelUse & { offline?: string; endpoint?: EndpointConfig })[] = [];
  for (const a of agents) {
    const s = a.resource.spec;
    out.push({
      at: a,
      path: 'spec.model',
      model: s.model,
      builtins: BUILTIN_AGENT_MODELS,
      offline: s.offline_model,
      endpoint: { base_url: s.base_url, api_key_env: s.api_key_env },
    });
    if (s.offline_model)
      out.push({
        at: a,
        path: 'spec.offline_model',
        model: s.offline_model,
        builtins: BUILTIN_AGENT_MODELS,
        offline: s.offline_model,
      });
  }
  for (const g of gates) {
    const s = g.resource.spec;
    out.push({ at: g, path: 'spec.model', model: s.model, builtins: BUILTIN_GATE_MODELS, offline: s.offline_model });
    if (s.offline_model)
      out.push({
        at: g,
        path: 'spec.offline_model',
        model: s.offline_model,
        builtins: BUILTIN_GATE_MODELS,
        offline: s.offline_model,
      });
  }
  return out;
}

const problem = (u: ModelUse, message: string): ConfigProblem => problemAt(u.at, u.path.split('.'), message);

export function modelProblems(agents: Iterable<Sourced<Agent>>, gates: Iterable<Sourced<Gate>>): ConfigProblem[] {
  return uses(agents, gates).flatMap((u) => {
    const { provider, name } = splitModel(u.model);
    if (provider === 'builtin') {
      return u.builtins.includes(name)
        ? []
        : [
            problem(
              u,
              `unknown built-in model "${name}"${didYouMean(name, u.builtins)}; available: ${u.builtins.map((b) => `builtin:${b}`).join(', ')}`,
            ),
          ];
    }
    if (isModelProvider(provider)) return [];
    return [
      problem(
        u,
        `unknown model provider "${provider}"${didYouMean(provider, [...MODEL_PROVIDERS, 'builtin'])}; use ${MODEL_PROVIDERS.map((p) => `${p}:<model>`).join(', ')} or builtin:<model>`,
      ),
    ];
  });
}

export function modelWarnings(
  daemon: DaemonConfig,
  agents: Iterable<Sourced<Agent>>,
  gates: Iterable<Sourced<Gate>>,
  env: NodeJS.ProcessEnv = process.env,
): ConfigProblem[] {
  return uses(agents, gates).flatMap((u) => {
    const { provider } = splitModel(u.model);
    if (!isModelProvider(provider) || u.offline) return [];
    const names = keyEnvNames(provider, u.endpoint, daemon.spec.providers?.[provider]);
    if (names.some((n) => env[n])) return [];
    return [
      problem(
        u,
        `${u.model} needs ${names.join(' or ')}, which is not set here: without it on the workers every run fails (or give it an offline_model such as builtin:${u.builtins[u.builtins.length - 1]})`,
      ),
    ];
  });
}
