// The signed-in staff member, shared through context. Any 401 from an authenticated call clears it, which sends the
// router back to the login page.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { Session } from '../../src/contracts/foundation.ts';
import { api, onUnauthorized, setCsrfToken } from './api.ts';

export type Permission =
  | 'staff.read'
  | 'staff.manage'
  | 'api_key.manage'
  | 'audit.read'
  | 'jobs.manage'
  | 'customer.read'
  | 'customer.write'
  | 'customer.pii'
  | 'customer.merge'
  | 'customer.configure'
  | 'tag.read'
  | 'tag.manage'
  | 'tag.apply'
  | 'trait.read'
  | 'trait.manage'
  | 'segment.read'
  | 'segment.manage'
  | 'segment.export'
  | 'order.read'
  | 'import.run'
  | 'coupon.read'
  | 'coupon.manage'
  | 'coupon.redeem'
  | 'member.read'
  | 'relationship.read'
  | 'relationship.manage'
  | 'churn.read'
  | 'sop.manage'
  | 'task.work'
  | 'notification.read'
  | 'member.manage'
  | 'loyalty.configure'
  | 'community.read'
  | 'community.manage'
  | 'acquisition.read'
  | 'acquisition.manage'
  | 'points.read'
  | 'points.adjust'
  | 'points.configure'
  | 'points.earn'
  | 'points.redeem';

interface SessionState {
  session: Session | null;
  signIn(session: Session): void;
  signOut(): Promise<void>;
  can(permission: Permission): boolean;
}

const SessionContext = createContext<SessionState | null>(null);

/** `initial` comes from the /api/auth/me probe made before the first render; its CSRF token is already set. */
export function SessionProvider({ initial, children }: { initial: Session | null; children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(initial);

  const signIn = useCallback((next: Session) => {
    setCsrfToken(next.csrfToken);
    setSession(next);
  }, []);

  const clear = useCallback(() => {
    setCsrfToken(null);
    setSession(null);
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      clear();
    }
  }, [clear]);

  useEffect(() => {
    onUnauthorized(clear);
    return () => onUnauthorized(null);
  }, [clear]);

  const value = useMemo<SessionState>(
    () => ({
      session,
      signIn,
      signOut,
      can: (permission) => session?.permissions.includes(permission) ?? false,
    }),
    [session, signIn, signOut],
  );
  return <SessionContext value={value}>{children}</SessionContext>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession must be used inside <SessionProvider>');
  return state;
}

/** For pages behind the login guard, where a session is always present. */
export function useSignedIn(): Session {
  const { session } = useSession();
  if (!session) throw new Error('useSignedIn used outside the signed-in routes');
  return session;
}
