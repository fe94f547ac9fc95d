// Role and job-state lists for selects and filters, checked against the contract's types. The contract's runtime
// arrays are not imported because that would pull TypeBox into the browser bundle.
import type { JOB_STATES, Role } from '../../src/contracts/foundation.ts';

type JobState = (typeof JOB_STATES)[number];

// A Record forces exactly one entry per member of the union, so the contract gaining a role breaks this file.
const roleOrder: Record<Role, number> = { owner: 0, admin: 1, operator: 2, guide: 3, analyst: 4, auditor: 5 };
const jobStateOrder: Record<JobState, number> = { dead: 0, queued: 1, running: 2, succeeded: 3 };

export const ROLES = Object.keys(roleOrder) as Role[];
export const JOB_STATE_LIST = Object.keys(jobStateOrder) as JobState[];
export type { JobState };
