// `platforms.<forge>.redelivery`: the same record for every forge that can list and resend its webhook
// deliveries (GitHub, GitLab). What differs is the forge's hook references, how far back it keeps
// deliveries (`max_age_hours`) and how many resends it allows (`max_per_run`'s default).
import { z } from 'zod';

export interface RedeliveryLimits {
  /** The forge resends (or keeps) deliveries of this many hours back at most. */
  maxAgeHours: number;
  defaultAgeHours: number;
  defaultPerRun: number;
}

export const redeliverySchema = <H extends z.ZodType>(hook: H, limits: RedeliveryLimits) =>
  z.strictObject({
    enabled: z.boolean().default(false),
    interval_minutes: z.number().int().min(1).max(1440).default(10),
    max_age_hours: z.number().positive().max(limits.maxAgeHours).default(limits.defaultAgeHours),
    /** Resends per hook and run; the rest wait for the next run. */
    max_per_run: z.number().int().min(1).max(500).default(limits.defaultPerRun),
    hooks: z.array(hook).default([]),
  });
