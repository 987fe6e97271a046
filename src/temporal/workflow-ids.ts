// Workflow IDs carry meaning: one delivery GUID -> one workflow, so a redelivery starts nothing new.
import type { ForgeName } from '../forges/port.js';

/** GitHub delivery GUIDs are UUIDs; accept any short token so other senders' IDs still work. */
const DELIVERY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isValidDeliveryId(id: string): boolean {
  return DELIVERY.test(id);
}

/** `github-delivery-<guid>`, `gitlab-delivery-<idempotency key>`: one workflow per delivery and forge. */
export function deliveryWorkflowId(deliveryId: string, forge: ForgeName = 'github'): string {
  if (!isValidDeliveryId(deliveryId))
    throw new Error(`invalid delivery id: ${JSON.stringify(deliveryId.slice(0, 40))}`);
  return `${forge}-delivery-${deliveryId.toLowerCase()}`;
}
