// The kernel as a module: workspaces' staff, sessions, API keys, audit log and the job console.

import { auditRoutes } from './audit/routes.ts';
import type { Permissions } from './auth/permissions.ts';
import { authRoutes } from './auth/routes.ts';
import type { Config } from './config.ts';
import { jobRoutes } from './jobs/routes.ts';
import type { PermissionTable, SiyuModule } from './module.ts';
import { workspaceRoutes } from './workspace-routes.ts';

export const platformPermissions: PermissionTable = {
  'session.self': ['owner', 'admin', 'operator', 'guide', 'analyst', 'auditor'],
  'staff.read': ['owner', 'admin', 'auditor'],
  'staff.manage': ['owner', 'admin'],
  'api_key.manage': ['owner', 'admin'],
  'audit.read': ['owner', 'auditor'],
  'jobs.manage': ['owner', 'admin'],
};

export function platformModule(config: Config, permissions: Permissions): SiyuModule {
  return {
    name: 'platform',
    permissions: platformPermissions,
    routes: (r) => {
      authRoutes(config, permissions)(r);
      auditRoutes(r);
      jobRoutes(r);
      workspaceRoutes(r);
    },
  };
}
