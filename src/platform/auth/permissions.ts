// The declarative permission table: every module lists which roles hold each of its permissions, and every
// route names the permission it needs. The registry refuses a route whose permission nobody declared.
import { ROLES, type Role } from '../../contracts/foundation.ts';
import type { PermissionTable } from '../module.ts';

export class Permissions {
  private table = new Map<string, Set<Role>>();

  add(table: PermissionTable): void {
    for (const [permission, roles] of Object.entries(table)) {
      if (this.table.has(permission)) throw new Error(`permission ${permission} is declared twice`);
      this.table.set(permission, new Set(roles));
    }
  }

  has(permission: string): boolean {
    return this.table.has(permission);
  }

  allows(role: Role, permission: string): boolean {
    return this.table.get(permission)?.has(role) ?? false;
  }

  /** Every permission a role holds, for the console to show or hide what the user may do. */
  of(role: Role): string[] {
    return [...this.table]
      .filter(([, roles]) => roles.has(role))
      .map(([p]) => p)
      .sort();
  }
}

export const isRole = (value: unknown): value is Role => ROLES.includes(value as Role);
