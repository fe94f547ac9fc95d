// The shape every domain module presents to the composition root: its tables, permissions, routes and work.
import type { Role } from '../contracts/foundation.ts';
import type { RouteRegistrar } from './http/routes.ts';
import type { JobHandler, Schedule, Subscriber } from './jobs/index.ts';

/** Which roles hold each permission of a module, e.g. `{ 'staff.manage': ['owner', 'admin'] }`. */
export type PermissionTable = Record<string, readonly Role[]>;

export interface SiyuModule {
  name: string;
  /** Folder of `NNNN_name.sql` files, applied in name order after the modules listed before this one. */
  migrations?: string;
  permissions?: PermissionTable;
  routes?: (r: RouteRegistrar) => void;
  jobs?: Record<string, JobHandler>;
  subscribers?: Subscriber[];
  schedules?: Schedule[];
}
