// Flow nodes as the loader checks them: each config by its type's record, and `compensate`.
import assert from 'node:assert/strict';
import type { Flow } from '../../src/config/schema.js';
import { FlowSpec } from '../../src/config/schema.js';
import { validateFlow } from '../../src/flows/validate.js';

const known = { agents: new Set(['reviewer']), fleets: new Set<string>() };
const problems = (spec: unknown) =>
  validateFlow(FlowSpec.parse(spec) as Flow['spec'], known).map((p) => `${p.path}: ${p.message}`);
const hook = (path: string) => ({ url: `https://deploy.example/${path}` });

describe('flow node configs, checked by their records', () => {
  it("each type's config: required keys, types, and its own checks", () => {
    assert.deepEqual(
      problems({
        nodes: [
          { id: 'start', type: 'http', config: { method: 'POST' } },
          { id: 'a', type: 'agent', config: { agent: 'reveiwer' } },
          { id: 'p', type: 'parallel', config: { branches: ['a', 'b'], join: 'most' } },
          { id: 'w', type: 'wait', config: { duration: ['1h'] } },
        ],
        connections: [
          { from: 'start', to: 'a' },
          { from: 'a', to: 'p' },
          { from: 'p', to: 'w' },
        ],
      }),
      [
        'spec.nodes.0.config.url: an http node needs config.url',
        'spec.nodes.1.config.agent: agent "reveiwer" is not defined (did you mean "reviewer"?)',
        'spec.nodes.2.config.join: Invalid option: expected one of "all"|"any"|"majority"',
        'spec.nodes.3.config.duration: Invalid input',
      ],
    );
  });

  it('compensate: a node that acts, undone by another that acts; a compensation is reachable through it', () => {
    const flow = (deploy: Record<string, unknown>, extra: unknown[] = []) => ({
      nodes: [
        { id: 'start', type: 'approval' },
        { id: 'deploy', type: 'http', config: hook('deploy'), ...deploy },
        { id: 'rollback', type: 'http', config: hook('rollback') },
        { id: 'done', type: 'end' },
        ...extra,
      ],
      connections: [
        { from: 'start', to: 'deploy' },
        { from: 'deploy', to: 'done' },
      ],
    });
    // The rollback is reached only as a compensation: not an unreachable node.
    assert.deepEqual(problems(flow({ compensate: 'rollback' })), []);
    assert.deepEqual(problems(flow({})), ['spec.nodes.2: node "rollback" is unreachable from start']);
    assert.deepEqual(problems(flow({ compensate: 'rolback' })), [
      'spec.nodes.1.compensate: unknown node "rolback" (did you mean "rollback"?)',
      'spec.nodes.2: node "rollback" is unreachable from start',
    ]);
    assert.deepEqual(problems(flow({ compensate: 'deploy' })), [
      'spec.nodes.1.compensate: a node cannot undo itself',
      'spec.nodes.2: node "rollback" is unreachable from start',
    ]);
    assert.deepEqual(problems(flow({ compensate: 'done' })), [
      'spec.nodes.1.compensate: node "done" is an end node, which cannot undo anything',
      'spec.nodes.2: node "rollback" is unreachable from start',
    ]);
    const chained = flow({ compensate: 'rollback' });
    (chained.nodes[2] as Record<string, unknown>).compensate = 'deploy';
    assert.deepEqual(problems(chained), [
      'spec.nodes.1.compensate: node "rollback" undoes "deploy", so it cannot have a compensation of its own',
      'spec.nodes.2.compensate: node "deploy" undoes "rollback", so it cannot have a compensation of its own',
    ]);
    const approvalUndone = flow({ compensate: 'rollback' });
    (approvalUndone.nodes[0] as Record<string, unknown>).compensate = 'rollback';
    assert.deepEqual(problems(approvalUndone), [
      'spec.nodes.0.compensate: an approval node changes nothing, so there is nothing to undo',
    ]);
  });
});
