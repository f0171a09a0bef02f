import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { hubClient, type Session } from '../../api/client.js';
import { logout } from './auth-api.js';

/**
 * The signed-in session lives in sessionStorage: it survives a reload of the
 * tab but not closing it, and other tabs and sites never see the token.
 */
const SESSION_STORAGE_KEY = 'xietong.session';

function readStoredSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(SESSION_STORAGE_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    // An expired access token is still worth keeping while a refresh token can renew it.
    return session.expiresAt > Date.now() || session.refreshToken ? session : null;
  } catch {
    return null;
  }
}

interface SessionValue {
  session: Session | null;
  /** Set when the hub refused the token: the sign-in page says why. */
  expired: boolean;
  /** Stores a session obtained by the sign-in steps (password, second factor, enrolment). */
  establish(session: Session): void;
  /** Updates the signed-in user's facts (after enrolling MFA, for instance). */
  updateUser(user: Partial<Session['user']>): void;
  signOut(): void;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(() => {
    const stored = readStoredSession();
    hubClient.setSession(stored);
    return stored;
  });
  const [expired, setExpired] = useState(false);

  const store = useCallback((next: Session | null) => {
    hubClient.setSession(next);
    setSession(next);
    try {
      if (next) sessionStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify(next));
      else sessionStorage.removeItem(SESSION_STORAGE_KEY);
    } catch {
      // No storage: the session lasts until reload.
    }
  }, []);

  useEffect(() => {
    hubClient.onUnauthorized = () => {
      store(null);
      setExpired(true);
    };
    hubClient.onSessionRefreshed = (next) => store(next);
    return () => {
      hubClient.onUnauthorized = null;
      hubClient.onSessionRefreshed = null;
    };
  }, [store]);

  const value = useMemo<SessionValue>(
    () => ({
      session,
      expired,
      establish(next) {
        setExpired(false);
        store(next);
      },
      updateUser(user) {
        if (session) store({ ...session, user: { ...session.user, ...user } });
      },
      signOut() {
        void logout();
        setExpired(false);
        store(null);
      },
    }),
    [session, expired, store],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The institution's display name from the login response (id or {id, name}). */
export function describeInstitution(institution: Session['user']['institution']): string {
  return typeof institution === 'string' ? institution : (institution.name ?? institution.id);
}

/** True when the signed-in user's roles may use console page `page` (sessions from older hubs carry no list: allow). */
export function canUsePage(session: Session | null, page: string): boolean {
  const pages = session?.user.pages;
  return pages === undefined || pages.includes(page);
}

/** Where a role lands after sign-in: the first page it may use (auditors and patients have no overview). */
const LANDING: ReadonlyArray<[page: string, path: string]> = [
  ['overview', '/'],
  ['referrals', '/referrals'],
  ['audit', '/audit'],
  ['consent', '/consent'],
  ['privacy', '/privacy'],
  ['users', '/admin/users'],
];

export function landingPath(session: Session | null): string {
  return LANDING.find(([page]) => canUsePage(session, page))?.[1] ?? '/account/security';
}
