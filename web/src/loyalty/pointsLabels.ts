// Labels of the ledger's words (transaction kinds, causes, accounts) in the console's language. Causes come from
// other modules too (rewards, lotteries, campaigns): an unknown one shows as it is.
import type { TFunction } from 'i18next';
import type { TransactionKind } from '../../../src/contracts/points.ts';

const CAUSES = [
  'purchase',
  'check_in',
  'invite',
  'interaction',
  'task',
  'manual',
  'checkout',
  'reward',
  'lottery',
  'expiry',
  'merge',
  'unmerge',
  'welcome',
] as const;
type Cause = (typeof CAUSES)[number];
const isCause = (cause: string): cause is Cause => (CAUSES as readonly string[]).includes(cause);

export const KIND_COLORS: Record<TransactionKind, string> = {
  earn: 'green',
  spend: 'blue',
  cancel: 'cyan',
  reverse: 'orange',
  expire: 'default',
  adjust: 'purple',
  transfer: 'geekblue',
};

export const causeLabel = (t: TFunction, cause: string) => (isCause(cause) ? t(`points.causes.${cause}`) : cause);

/** `member:<id>`, `earned:purchase`, `redeemed:checkout` … as words. */
export function accountLabel(t: TFunction, account: string): string {
  const [kind, rest] = account.split(':') as [string, string | undefined];
  switch (kind) {
    case 'member':
      return t('points.accounts.member');
    case 'debt':
      return t('points.accounts.debt');
    case 'earned':
      return t('points.accounts.earned', { cause: causeLabel(t, rest ?? '') });
    case 'redeemed':
      return t('points.accounts.redeemed', { cause: causeLabel(t, rest ?? '') });
    case 'adjustment':
      return t('points.accounts.adjustment');
    case 'expired':
      return t('points.accounts.expired');
    case 'reversed':
      return t('points.accounts.reversed');
    default:
      return account;
  }
}
