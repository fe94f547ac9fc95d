// Every module of Siyu in dependency order: their migrations run in this order, and the composition root
// (src/main.ts) wires their routes, jobs, subscribers and schedules.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { wecomModule } from './connectors/wecom/index.ts';
import { acquisitionModule } from './modules/acquisition/index.ts';
import { communityModule } from './modules/community/index.ts';
import { couponsModule } from './modules/coupons/index.ts';
import { customersModule } from './modules/customers/index.ts';
import { CustomerParticipants } from './modules/customers/participants.ts';
import { eventsModule } from './modules/events/index.ts';
import { loyaltyModule } from './modules/loyalty/index.ts';
import { relationshipsModule } from './modules/relationships/index.ts';
import { segmentsModule } from './modules/segments/index.ts';
import { tagsModule } from './modules/tags/index.ts';
import { traitsModule } from './modules/traits/index.ts';
import { loadMigrations, type Migration } from './platform/db/migrations.ts';
import type { SiyuModule } from './platform/module.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Modules that live outside src/modules (connectors), by name: their folder under src/. */
const FOLDERS: Readonly<Record<string, string>> = { wecom: 'connectors/wecom' };
const migrationsOf = (name: string) => ({
  module: name,
  dir: path.join(here, FOLDERS[name] ?? path.join('modules', name), 'migrations'),
});

/** Module names in dependency order; each one's migrations folder is src/modules/<name>/migrations (or see FOLDERS). */
export const MODULE_ORDER = [
  'customers',
  'events',
  'tags',
  'traits',
  'segments',
  'wecom',
  'coupons',
  'loyalty',
  'relationships',
  'acquisition',
  'community',
] as const;

/** The modules, and the registry through which they join customer merges and the timeline. */
export function buildModules(): SiyuModule[] & { participants: CustomerParticipants } {
  const participants = new CustomerParticipants();
  // Later modules register their segment condition types (loyalty: tier, relationships: guide, community: group)
  // on the audience engine's registry.
  const segments = segmentsModule({ participants });
  const modules = [
    customersModule({ participants }),
    eventsModule({ participants }),
    tagsModule({ participants }),
    traitsModule({ participants }),
    segments,
    wecomModule(),
    couponsModule({ participants }),
    loyaltyModule({ participants, engine: segments.engine }),
    relationshipsModule({ participants, engine: segments.engine }),
    acquisitionModule({ participants }),
    communityModule({ participants, engine: segments.engine }),
  ];
  return Object.assign(modules, { participants });
}

export function allMigrations(): Migration[] {
  return loadMigrations([
    { module: 'platform', dir: path.join(here, 'platform/migrations') },
    ...MODULE_ORDER.map(migrationsOf),
  ]);
}
