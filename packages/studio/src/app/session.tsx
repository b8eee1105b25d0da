import { createContext, useContext, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { defaultBucketName } from '../api/bucket-names.js';
import { recentRoles, rememberRoles, roleChoices } from '../api/execution-role.js';
import { fetchSession, signOut, type Session } from '../api/session.js';

interface SessionApi {
  readonly session: Session;
  signOut(): Promise<void>;
}

const Ctx = createContext<SessionApi | undefined>(undefined);

export function useSession(): SessionApi {
  const c = useContext(Ctx);
  if (!c) throw new Error('useSession outside SessionGate');
  return c;
}

/** Studio's default bucket for this server (`sagemaker-<region>-<account>`), from the session. */
export function useDefaultBucket(): string {
  return defaultBucketName(useSession().session);
}

/**
 * The execution role a create form proposes (the role this user last submitted from Studio in this
 * account, else the account's `LoamExecution`), the choices its field lists, and how to remember the
 * roles a submitted form used.
 */
export function useExecutionRole(): { proposed: string; choices: string[]; remember(roles: readonly string[]): void } {
  const { session } = useSession();
  return { ...roleChoices(session, recentRoles(session)), remember: (roles) => rememberRoles(session, roles) };
}

/** Shows `signedOut` (the landing page) until a session exists, then the app with the session in context. */
export function SessionGate({ signedIn, signedOut, loading }: { signedIn: ReactNode; signedOut: (info: { justSignedOut: boolean }) => ReactNode; loading: ReactNode }) {
  const qc = useQueryClient();
  const [justSignedOut, setJustSignedOut] = useState(false);
  const q = useQuery({ queryKey: ['session'], queryFn: ({ signal }) => fetchSession(signal), staleTime: 60_000, retry: 1 });
  if (q.isPending) return <>{loading}</>;
  const session = q.data ?? { signedIn: false };
  if (!session.signedIn) return <>{signedOut({ justSignedOut })}</>;
  const api: SessionApi = {
    session,
    async signOut() {
      await signOut();
      setJustSignedOut(true);
      qc.setQueryData(['session'], { signedIn: false });
      // Nothing fetched for this user may outlive the session.
      qc.removeQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
      window.history.replaceState(null, '', '/');
    },
  };
  return <Ctx.Provider value={api}>{signedIn}</Ctx.Provider>;
}
