// One workspace's audience index: Roaring bitmaps over customer `seq` for every categorical dimension (attribute
// values, trait buckets, tags, identity kinds) and bit-sliced integers for numeric traits and for the rolling
// behaviour aggregates (order count/spend and per-event-name counts over 7/30/90/180/365 days and all time).
import roaring from 'roaring';
import { type Bitmap, BSI_MAX, Bsi, newBitmap } from './bsi.ts';

/** The windows kept as rolling aggregates; any other window goes to SQL. 0 stands for "all time". */
export const WINDOWS = [7, 30, 90, 180, 365, 0] as const;
export type IndexedWindow = (typeof WINDOWS)[number];

export const CATEGORICAL_ATTRIBUTES = ['gender', 'city', 'region', 'source_channel', 'member_status', 'occupation'];
export const CATEGORICAL_TRAITS = ['lifecycle_stage', 'rfm_group', 'preferred_channel'];
export const NUMERIC_TRAITS = [
  'recency_score',
  'frequency_score',
  'monetary_score',
  'churn_risk',
  'active_hour',
  'order_count',
  'spend_fen',
  'clv_historic_fen',
  'clv_predicted_fen',
];

/** What a customer's index entries are grouped by, so a domain event reloads only what it can have changed. */
export const FACETS = ['profile', 'traits', 'tags', 'identities', 'orders', 'events'] as const;
export type Facet = (typeof FACETS)[number];
/** The dimension names (or `name:` prefixes) each facet fills; `alive` belongs to the profile. */
const FACET_PREFIXES: Record<Facet, string[]> = {
  profile: ['attr'],
  traits: ['trait'],
  tags: ['tag'],
  identities: ['identity'],
  orders: ['order'],
  events: ['event'],
};

export const orderKey = (measure: 'count' | 'spend', window: IndexedWindow) => `order:${measure}:${window}`;
export const eventKey = (name: string, window: IndexedWindow) => `event:${name}:${window}`;

export class WorkspaceIndex {
  /** Customers not merged away: every rule's universe. */
  alive = newBitmap();
  /** `attr:city` → value → customers; also `attr:interests`, `trait:<name>`, `tag` (tag id), `identity` (kind). */
  readonly categories = new Map<string, Map<string, Bitmap>>();
  readonly numbers = new Map<string, Bsi>();
  /** Numeric dimensions holding a value the slices cannot (negative, fractional, huge): SQL answers for them. */
  readonly uncovered = new Set<string>();
  readonly eventNames = new Set<string>();
  /** Bumped on every change, so cached SQL fallbacks are never served after the data moved. */
  version = 0;
  builtAt = new Date(0);
  /** When the index last took in a change (or was built): the "last brought up to date" of its segments. */
  updatedAt = new Date(0);

  constructor(
    readonly workspaceId: string,
    readonly timeZone: string,
    /** Local day the rolling aggregates are computed for. */
    public day: number,
  ) {}

  category(dim: string, value: string): Bitmap | undefined {
    return this.categories.get(dim)?.get(value);
  }

  categoryOrCreate(dim: string, value: string): Bitmap {
    let values = this.categories.get(dim);
    if (!values) {
      values = new Map();
      this.categories.set(dim, values);
    }
    let b = values.get(value);
    if (!b) {
      b = newBitmap();
      values.set(value, b);
    }
    return b;
  }

  /** Everyone having any value of a dimension. */
  anyOf(dim: string): Bitmap {
    return roaring.RoaringBitmap32.orMany([...(this.categories.get(dim)?.values() ?? [])]);
  }

  number(key: string): Bsi {
    let b = this.numbers.get(key);
    if (!b) {
      b = new Bsi();
      this.numbers.set(key, b);
    }
    return b;
  }

  /** A numeric dimension the slices can answer for, or null (SQL fallback). */
  covered(key: string): Bsi | null {
    return this.uncovered.has(key) ? null : (this.numbers.get(key) ?? new Bsi());
  }

  setNumber(key: string, seq: number, value: number | null): void {
    if (value !== null && (!Number.isInteger(value) || value < 0 || value >= BSI_MAX)) {
      this.uncovered.add(key);
      return;
    }
    if (value === null && !this.numbers.has(key)) return;
    this.number(key).set(seq, value);
  }

  /** Removes a customer from the dimensions of some facets, before their current state is loaded again. */
  forget(seq: number, facets: readonly Facet[] = FACETS): void {
    const prefixes = facets.flatMap((f) => FACET_PREFIXES[f]);
    const ours = (key: string) => prefixes.some((p) => key === p || key.startsWith(`${p}:`));
    if (facets.includes('profile')) this.alive.remove(seq);
    for (const [dim, values] of this.categories) if (ours(dim)) for (const b of values.values()) b.remove(seq);
    for (const [key, bsi] of this.numbers) if (ours(key)) bsi.set(seq, null);
  }

  /** Adds to a customer's count in a numeric dimension (an event's delta), or gives the dimension up to SQL. */
  increment(key: string, seq: number, by: number): void {
    if (this.uncovered.has(key)) return;
    this.setNumber(key, seq, (this.numbers.get(key)?.get(seq) ?? 0) + by);
  }

  memoryBytes(): number {
    let n = this.alive.getSerializationSizeInBytes('croaring');
    for (const values of this.categories.values())
      for (const b of values.values()) n += b.getSerializationSizeInBytes('croaring');
    for (const bsi of this.numbers.values()) n += bsi.bytes();
    return n;
  }
}
