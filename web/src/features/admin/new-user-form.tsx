import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n.js';
import { ASSIGNABLE_ROLES, REGIONAL_ROLES, createUser, type AdminUser } from './users-api.js';

/** Creates a user; a regional admin may also pick region-wide roles and another institution. */
export function NewUserForm({ regional, onCreated }: { regional: boolean; onCreated(user: AdminUser): void }) {
  const { t, tOptional } = useI18n();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [institution, setInstitution] = useState('');
  const [roles, setRoles] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const offered = ASSIGNABLE_ROLES.filter((role) => regional || !REGIONAL_ROLES.includes(role));

  function toggle(role: string) {
    setRoles((current) => (current.includes(role) ? current.filter((r) => r !== role) : [...current, role]));
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (roles.length === 0) {
      setError(t('users.new.rolesRequired'));
      return;
    }
    setBusy(true);
    setError(null);
    setCreated(null);
    try {
      const user = await createUser({
        username: username.trim(),
        displayName: displayName.trim(),
        password,
        roles,
        ...(regional && institution.trim() ? { institution: institution.trim() } : {}),
      });
      setCreated(user.username);
      setUsername('');
      setDisplayName('');
      setPassword('');
      setRoles([]);
      onCreated(user);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={onSubmit} noValidate aria-labelledby="new-user-title" data-testid="new-user-form">
      <h2 id="new-user-title">{t('users.new')}</h2>
      <label className="field">
        <span>{t('users.new.username')}</span>
        <input name="new-username" autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('users.new.displayName')}</span>
        <input name="new-display-name" autoComplete="off" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('users.new.password')}</span>
        <input name="new-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      {regional && (
        <label className="field">
          <span>{t('users.new.institution')}</span>
          <input name="new-institution" autoComplete="off" value={institution} onChange={(e) => setInstitution(e.target.value)} />
        </label>
      )}
      <fieldset className="field" style={{ border: 0, padding: 0 }}>
        <legend>{t('users.new.roles')}</legend>
        {offered.map((role) => (
          <label key={role} style={{ display: 'block', fontWeight: 400 }}>
            <input type="checkbox" checked={roles.includes(role)} onChange={() => toggle(role)} /> {tOptional(`role.${role}`) ?? role}
          </label>
        ))}
      </fieldset>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {created && (
        <p className="notice" role="status">
          {t('users.new.created', { username: created })}
        </p>
      )}
      <button className="button button--primary" type="submit" disabled={busy}>
        {t('users.new.submit')}
      </button>
    </form>
  );
}
