// Signals and updates, defined once and shared by the workflows that handle them and the code that
// sends them (ingress, activities).
import { defineSignal, defineUpdate } from '@temporalio/workflow';

export interface QuotaGrant {
  allowed: boolean;
  used: number;
  limit: number;
}

/** Count one analysis against the month's quota (idempotent per key). */
export const reserveUpdate = defineUpdate<QuotaGrant, [key: string, limit: number]>('reserve');

export interface ReviewRequest {
  deliveryId: string;
  /** Unknown for a `/review` comment: the gate looks the PR's head up. */
  headSha?: string;
  reason: string;
}

/** Ask the PR's gate to review a head commit (a push, a re-run, a `/review`). */
export const reviewSignal = defineSignal<[ReviewRequest]>('review');
