// Reads a pasted or uploaded list of customers (one per line or cell: customer ids and phone numbers, mixed as
// they come from a spreadsheet) into the lists the bulk tagging API takes, in calls of at most its limit.
import { BULK_TAG_LIMIT, type BulkTagBody } from '../../../src/contracts/tags.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Digits with the separators people write phones with; the server normalises and checks them.
const PHONE = /^\+?[\d\s()-]{5,32}$/;

export interface CustomerList {
  customerIds: string[];
  phones: string[];
  /** Entries that are neither (a header line, a name): reported, not sent. */
  ignored: string[];
}

export function parseCustomerList(text: string): CustomerList {
  const entries = text
    .replace(/^\ufeff/, '')
    .split(/[\r\n,;\t，；]+/)
    .map((entry) => entry.trim().replace(/^"(.*)"$/, '$1'))
    .filter(Boolean);
  const list: CustomerList = { customerIds: [], phones: [], ignored: [] };
  for (const entry of new Set(entries)) {
    if (UUID.test(entry)) list.customerIds.push(entry.toLowerCase());
    else if (PHONE.test(entry)) list.phones.push(entry);
    else list.ignored.push(entry);
  }
  return list;
}

/** The list as request bodies of at most BULK_TAG_LIMIT ids and BULK_TAG_LIMIT phones each. */
export function bulkBodies(list: CustomerList): BulkTagBody[] {
  const bodies: BulkTagBody[] = [];
  for (let i = 0; i < Math.max(list.customerIds.length, list.phones.length); i += BULK_TAG_LIMIT) {
    const customerIds = list.customerIds.slice(i, i + BULK_TAG_LIMIT);
    const phones = list.phones.slice(i, i + BULK_TAG_LIMIT);
    bodies.push({ ...(customerIds.length ? { customerIds } : {}), ...(phones.length ? { phones } : {}) });
  }
  return bodies;
}
