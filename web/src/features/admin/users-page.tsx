import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n.js';
import { useSession } from '../auth/session.js';
import { ErrorBox, Loading } from '../layout/status.js';
import { useAsync } from '../layout/use-async.js';
import { NewUserForm } from './new-user-form.js';
import { listUsers, runUserAction, type AdminUser, type UserAction } from './users-api.js';

/** Institution admins manage their institution's users, regional admins everyone's (the hub decides which). */
export function UsersPage() {
  const { t } = useI18n();
  const { session } = useSession();
  const regional = session?.user.roles.includes('regional-admin') ?? false;
  const [filter, setFilter] = useState('');
  const [applied, setApplied] = useState('');
  const [actionError, setActionError] = useState<string | null>(null);
  const users = useAsync(() => listUsers(applied), `users:${applied}`);

  function onFilter(event: FormEvent) {
    event.preventDefault();
    setApplied(filter);
  }

  async function act(user: AdminUser, action: UserAction) {
    setActionError(null);
    try {
      await runUserAction(user.id, action);
      users.reload();
    } catch (err) {
      setActionError(err instanceof Error ? err.message : String(err));
    }
  }

  return (
    <section aria-labelledby="users-title">
      <div className="page-header">
        <div>
          <h1 id="users-title">{t('users.title')}</h1>
          <p className="muted">{t('users.lead')}</p>
        </div>
      </div>
      <div className="grid-2">
        <div className="card">
          <form className="search-bar" onSubmit={onFilter} role="search" style={{ display: 'flex', gap: 8, marginBottom: 12 }}>
            <input type="search" aria-label={t('users.search')} placeholder={t('users.search')} value={filter} onChange={(e) => setFilter(e.target.value)} style={{ flex: 1 }} />
            <button type="submit" className="button">
              {t('users.filter')}
            </button>
          </form>
          {actionError && <ErrorBox message={actionError} />}
          {users.status === 'loading' && <Loading />}
          {users.status === 'error' && <ErrorBox message={users.message} onRetry={users.reload} />}
          {users.status === 'ready' && <UserTable users={users.data} self={session?.user.id} onAction={act} />}
        </div>
        <NewUserForm regional={regional} onCreated={() => users.reload()} />
      </div>
    </section>
  );
}

function UserTable({ users, self, onAction }: { users: AdminUser[]; self?: string; onAction(user: AdminUser, action: UserAction): void }) {
  const { t, tOptional } = useI18n();
  return (
    <>
      <p className="muted small">{t('users.count', { count: users.length })}</p>
      <div className="table-scroll">
        <table className="table" data-testid="user-table">
          <thead>
            <tr>
              <th>{t('users.col.username')}</th>
              <th>{t('users.col.name')}</th>
              <th>{t('users.col.institution')}</th>
              <th>{t('users.col.roles')}</th>
              <th>{t('users.col.status')}</th>
              <th>{t('users.col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id} data-username={user.username}>
                <td className="mono">{user.username}</td>
                <td>{user.displayName}</td>
                <td>{user.institution.name}</td>
                <td>{user.roles.map((role) => tOptional(`role.${role}`) ?? role).join('、')}</td>
                <td>
                  {user.disabled ? t('users.status.disabled') : user.lockedUntil ? t('users.status.locked') : t('users.status.active')}
                  <br />
                  <span className="muted small">{user.mfaEnabled ? t('users.mfa.on') : t('users.mfa.off')}</span>
                </td>
                <td className="nowrap">
                  {user.id !== self && (
                    <button type="button" className="button button--small" onClick={() => onAction(user, user.disabled ? 'enable' : 'disable')}>
                      {t(user.disabled ? 'users.action.enable' : 'users.action.disable')}
                    </button>
                  )}{' '}
                  {user.mfaEnabled && (
                    <button type="button" className="button button--small" onClick={() => onAction(user, 'reset-mfa')}>
                      {t('users.action.reset-mfa')}
                    </button>
                  )}{' '}
                  {user.lockedUntil && (
                    <button type="button" className="button button--small" onClick={() => onAction(user, 'unlock')}>
                      {t('users.action.unlock')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
