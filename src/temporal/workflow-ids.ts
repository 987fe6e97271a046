// Workflow IDs carry meaning: one delivery GUID -> one workflow, so a redelivery starts nothing new.

/** GitHub delivery GUIDs are UUIDs; accept any short token so other senders' IDs still work. */
const DELIVERY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isValidDeliveryId(id: string): boolean {
  return DELIVERY.test(id);
}

export function deliveryWorkflowId(deliveryId: string): string {
  if (!isValidDeliveryId(deliveryId))
    throw new Error(`invalid delivery id: ${JSON.stringify(deliveryId.slice(0, 40))}`);
  return `github-delivery-${deliveryId.toLowerCase()}`;
}
