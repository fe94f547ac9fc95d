// The events module's door: what the composition root and other modules may use.
import type { SiyuModule } from '../../platform/module.ts';
import type { CustomerParticipants } from '../customers/participants.ts';

export function eventsModule(_deps: { participants: CustomerParticipants }): SiyuModule {
  return { name: 'events' };
}
