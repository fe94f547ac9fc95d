// The customers module's door: profiles, identities and resolution, merges, custom fields, the timeline.
import { addMessages } from '../../platform/i18n/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };
import type { CustomerParticipants } from './participants.ts';
import { customerRoutes } from './routes.ts';

export { createUnknownCustomers } from './creation.ts';
export { type Identity, type IdentityInput, identityKey, normalizeIdentity } from './identities.ts';
export type { MergeParticipant, TimelineItem, TimelineSource } from './participants.ts';
export { CustomerParticipants } from './participants.ts';
export {
  allocateSeqs,
  cleanProfile,
  getCustomerRow,
  maskEmail,
  maskName,
  maskPhone,
  type ProfileInput,
} from './profiles.ts';
export {
  findIdentities,
  lockIdentities,
  mergeCustomers,
  type Resolution,
  resolveCustomer,
  resolveSightings,
  type Sighting,
  survivorsOf,
  touchSeen,
  unmergeCustomers,
} from './resolution.ts';
export {
  assertCustomerInScope,
  type CustomerOwnership,
  customersInScope,
  provideCustomerOwnership,
  type ScopedCaller,
  scopeSql,
} from './scope.ts';

export function customersModule(deps: { participants: CustomerParticipants }): SiyuModule {
  addMessages('zh-CN', zhCN);
  addMessages('en', en);
  return {
    name: 'customers',
    permissions: {
      'customer.read': ['owner', 'admin', 'operator', 'guide', 'analyst'],
      'customer.write': ['owner', 'admin', 'operator', 'guide'],
      'customer.pii': ['owner', 'admin', 'operator', 'guide'],
      'customer.merge': ['owner', 'admin', 'operator'],
      'customer.configure': ['owner', 'admin'],
    },
    routes: customerRoutes(deps.participants),
  };
}
