import assert from 'node:assert/strict';
import { deliveryWorkflowId, isValidDeliveryId } from '../../src/temporal/workflow-ids.js';

describe('workflow id derivation', () => {
  it('derives one stable id from a delivery GUID, case-insensitively', () => {
    const guid = '72d3162e-cc78-11e3-81ab-4c9367dc0958';
    assert.equal(deliveryWorkflowId(guid), `github-delivery-${guid}`);
    assert.equal(deliveryWorkflowId(guid.toUpperCase()), deliveryWorkflowId(guid));
  });

  it('refuses ids that could collide or smuggle characters', () => {
    for (const bad of ['', ' ', 'a/b', 'x'.repeat(200), '../etc', 'id with space', '-leading']) {
      assert.equal(isValidDeliveryId(bad), false, bad);
      assert.throws(() => deliveryWorkflowId(bad), /invalid delivery id/);
    }
  });
});
