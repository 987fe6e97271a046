import assert from 'node:assert/strict';
import { isUnavailable, TemporalUnavailableError, within } from '../../src/ingress/temporal-unavailable.js';

describe('answering in time while Temporal does not', () => {
  it('passes on the answer, or the failure, of a call that ends in time', async () => {
    assert.equal(await within(1000, Promise.resolve('started')), 'started');
    await assert.rejects(within(1000, Promise.reject(new Error('already started'))), /already started/);
  });

  it('gives up on a call that does not answer, with a TemporalUnavailableError', async () => {
    const never = new Promise<never>(() => undefined);
    await assert.rejects(
      within(20, never),
      (err) => err instanceof TemporalUnavailableError && /20 ms/.test(err.message),
    );
  });

  it('a call that fails after it was given up on is not an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', record);
    try {
      const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('late')), 40));
      await assert.rejects(within(10, late), TemporalUnavailableError);
      await new Promise((r) => setTimeout(r, 80));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('reads gRPC UNAVAILABLE and DEADLINE_EXCEEDED (grpc-js) and the SDK core\'s "Timeout expired" as unavailable', () => {
    assert.ok(isUnavailable(Object.assign(new Error('x'), { code: 14 })));
    assert.ok(isUnavailable(Object.assign(new Error('Failed to start Workflow'), { cause: { code: 4 } })));
    const coreTimeout = Object.assign(new Error('Timeout expired'), { code: 1 });
    assert.ok(isUnavailable(Object.assign(new Error('Failed to start Workflow'), { cause: coreTimeout })));
    assert.ok(!isUnavailable(Object.assign(new Error('Workflow execution already started'), { code: 6 })));
  });
});
