import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { hubClient, type Session } from '../../api/client.js';

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
    return session.expiresAt > Date.now() ? session : null;
  } catch {
    return null;
  }
}

interface SessionValue {
  session: Session | null;
  /** Set when the hub refused the token: the sign-in page says why. */
  expired: boolean;
  signIn(username: string, password: string): Promise<void>;
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
    return () => {
      hubClient.onUnauthorized = null;
    };
  }, [store]);

  const value = useMemo<SessionValue>(
    () => ({
      session,
      expired,
      async signIn(username, password) {
        const next = await hubClient.login(username, password);
        setExpired(false);
        store(next);
      },
      signOut() {
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
