// How other modules take part in customer merges and the timeline without this module touching their tables:
// each registers a participant that moves (and on unmerge restores) its own rows, and a timeline source.
import type { Tx } from '../../platform/db/index.ts';

export interface MergeParticipant {
  /** Stable name; the undo data of a merge is stored under it. */
  name: string;
  /** Moves this module's rows of `fromId` to `toId` inside the merge transaction; returns what unmerge needs. */
  move(tx: Tx, workspaceId: string, fromId: string, toId: string): Promise<unknown>;
  /** Puts back what `move` moved. */
  restore(tx: Tx, workspaceId: string, fromId: string, toId: string, undo: unknown): Promise<void>;
}

export interface TimelineItem {
  /** events, orders, tags, messages, feedback … */
  source: string;
  /** Unique within the source, for the cursor. */
  id: string;
  at: Date;
  kind: string;
  title: string;
  data: Record<string, unknown>;
}

export interface TimelineSource {
  source: string;
  /**
   * Up to `limit` items of the customer strictly older than `before`, newest first. Ids are prefixed with the
   * source (`events:123`) so they compare across sources, and times compare at millisecond precision (what the
   * cursor keeps): `(date_trunc('milliseconds', at), '<source>:' || id) < ($before_at, $before_id)`.
   */
  items(
    tx: Tx,
    workspaceId: string,
    customerId: string,
    before: { at: Date; id: string } | null,
    limit: number,
  ): Promise<TimelineItem[]>;
}

export class CustomerParticipants {
  readonly merge: MergeParticipant[] = [];
  readonly timeline: TimelineSource[] = [];
  addMergeParticipant(p: MergeParticipant): void {
    if (this.merge.some((m) => m.name === p.name)) throw new Error(`merge participant ${p.name} registered twice`);
    this.merge.push(p);
  }
  addTimelineSource(s: TimelineSource): void {
    this.timeline.push(s);
  }
}
