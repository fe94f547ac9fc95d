// Identity kinds and their normalisation: two spellings of one phone number or e-mail are the same identity.

import { IDENTITY_KINDS, type IdentityKind } from '../../contracts/identity-kinds.ts';
import { AppError } from '../../platform/errors.ts';
import { normalizePhone } from '../../platform/phone.ts';

export { IDENTITY_KINDS, type IdentityKind };

/** Kinds whose values are only unique within an app (an official account, a mini-program, a custom namespace). */
const PER_APP: ReadonlySet<IdentityKind> = new Set(['wechat_openid', 'custom']);

export interface Identity {
  kind: IdentityKind;
  /** The app an openid belongs to, or the namespace of a custom identity; '' for every other kind. */
  appId: string;
  value: string;
}

export interface IdentityInput {
  kind: string;
  value: string;
  appId?: string;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The canonical form of an identity, or a 400 naming what is wrong with it. */
export function normalizeIdentity(input: IdentityInput): Identity {
  const kind = input.kind as IdentityKind;
  if (!IDENTITY_KINDS.includes(kind)) throw new AppError(400, 'customer.identity_kind', { kind: input.kind });
  const raw = input.value.trim();
  if (!raw || raw.length > 256) throw new AppError(400, 'customer.identity_value', { kind });
  const appId = input.appId?.trim() ?? '';
  if (PER_APP.has(kind) && !appId) throw new AppError(400, 'customer.identity_app_required', { kind });
  let value = raw;
  if (kind === 'phone') {
    const e164 = normalizePhone(raw);
    if (!e164) throw new AppError(400, 'customer.identity_value', { kind });
    value = e164;
  } else if (kind === 'email') {
    value = raw.toLowerCase();
    if (!EMAIL_RE.test(value)) throw new AppError(400, 'customer.identity_value', { kind });
  } else if (kind === 'member_card') {
    value = raw.toUpperCase().replace(/\s+/g, '');
  }
  return { kind, appId: PER_APP.has(kind) ? appId : '', value };
}

export const identityKey = (i: Identity) => `${i.kind}\u001f${i.appId}\u001f${i.value}`;
