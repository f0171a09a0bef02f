import { useState, type ReactNode } from 'react';
import { Link, useRouter } from '../../app/router.js';
import { useI18n } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/zh-CN.js';
import { useSession } from '../auth/session.js';
import { ErrorBox, Loading } from '../layout/status.js';
import { useAsync } from '../layout/use-async.js';
import { decidePair, getPair, listPairs, type Decision, type PairDetail, type PairSide, type PairSideBrief } from './identity-api.js';

/** Roles that may review pairs (the hub checks the same). */
export const STEWARD_ROLES = ['institution-admin', 'regional-admin'];

export function isSteward(roles: readonly string[] | undefined): boolean {
  return (roles ?? []).some((r) => STEWARD_ROLES.includes(r));
}

const percent = (p: number): string => `${(p * 100).toFixed(1)}%`;

/** Routes under /identity: the queue, or one pair. */
export function identityRoute(path: string) {
  const pair = /^\/identity\/pairs\/([^/]+)$/.exec(path);
  if (pair) return <PairPage key={pair[1]} id={decodeURIComponent(pair[1])} />;
  if (path === '/identity') return <QueuePage />;
  return null;
}

function StewardsOnly({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const { session } = useSession();
  if (!isSteward(session?.user.roles)) return <p className="notice">{t('identity.notSteward')}</p>;
  return <>{children}</>;
}

function Who({ side }: { side: PairSideBrief }) {
  return (
    <>
      <strong>{side.name ?? '—'}</strong> <span className="muted">{side.birthDate ?? ''}</span>
      <br />
      <span className="muted small">{side.institution ?? side.tenantId}</span>
    </>
  );
}

function QueuePage() {
  const { t } = useI18n();
  const [offset, setOffset] = useState(0);
  const [sort, setSort] = useState<'score' | 'newest'>('score');
  const queue = useAsync(() => listPairs(offset, sort), `${offset}-${sort}`);
  return (
    <StewardsOnly>
      <section aria-labelledby="identity-title">
        <div className="page-header">
          <div>
            <h1 id="identity-title">{t('identity.title')}</h1>
            <p className="muted">{t('identity.lead')}</p>
          </div>
        </div>
        <div className="card">
          <h2>{t('identity.queue')}</h2>
          <div className="toolbar">
            {(['score', 'newest'] as const).map((s) => (
              <button key={s} type="button" className={sort === s ? 'button button--small button--primary' : 'button button--small'} onClick={() => { setSort(s); setOffset(0); }}>
                {t(`identity.sort.${s}`)}
              </button>
            ))}
          </div>
          {queue.status === 'loading' && <Loading />}
          {queue.status === 'error' && <ErrorBox message={queue.message} onRetry={queue.reload} />}
          {queue.status === 'ready' && (queue.data.pairs.length === 0 ? <p className="empty">{t('identity.queue.none')}</p> : (
            <>
              <p className="muted">{t('identity.queue.total', { total: queue.data.total })}</p>
              <div className="table-scroll">
                <table className="table" data-testid="identity-queue">
                  <thead><tr><th>{t('identity.col.score')}</th><th>{t('identity.col.a')}</th><th>{t('identity.col.b')}</th><th>{t('identity.col.created')}</th><th /></tr></thead>
                  <tbody>
                    {queue.data.pairs.map((p) => (
                      <tr key={p.id}>
                        <td className="mono">{percent(p.probability)}</td>
                        <td><Who side={p.a} /></td>
                        <td><Who side={p.b} /></td>
                        <td className="nowrap">{new Date(p.createdAt).toLocaleString()}</td>
                        <td><Link to={`/identity/pairs/${encodeURIComponent(p.id)}`} className="button button--small">{t('identity.open')}</Link></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div className="toolbar">
                <button type="button" className="button button--small" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 20))}>{t('identity.prev')}</button>
                <button type="button" className="button button--small" disabled={offset + 20 >= queue.data.total} onClick={() => setOffset(offset + 20)}>{t('identity.next')}</button>
              </div>
            </>
          ))}
        </div>
      </section>
    </StewardsOnly>
  );
}

function SideCard({ label, side }: { label: string; side: PairSide }) {
  const { t } = useI18n();
  const rows: Array<[MessageKey, string | null]> = [
    ['identity.side.institution', side.institution ?? side.tenantId],
    ['identity.side.name', side.name],
    ['identity.side.gender', side.gender],
    ['identity.side.birthDate', side.birthDate],
    ['identity.side.phone', side.phone],
    ['identity.side.address', side.address],
    ['identity.side.identifiers', side.identifiers.map((i) => i.value).join(', ') || null],
    ['identity.side.regionalId', side.regionalId],
  ];
  return (
    <div className="card" data-testid={`pair-side-${label}`}>
      <h2>{t(label === 'a' ? 'identity.col.a' : 'identity.col.b')}</h2>
      <dl className="facts">
        {rows.map(([key, value]) => (
          <div key={key}><dt>{t(key)}</dt><dd className={key === 'identity.side.regionalId' ? 'mono small' : undefined}>{value ?? '—'}</dd></div>
        ))}
      </dl>
    </div>
  );
}

function PairPage({ id }: { id: string }) {
  const { t, tOptional } = useI18n();
  const { navigate } = useRouter();
  const pair = useAsync(() => getPair(id), id);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<PairDetail | null>(null);
  const detail = saved ?? (pair.status === 'ready' ? pair.data : null);

  async function decide(decision: Decision) {
    setBusy(true);
    setError(null);
    try {
      setSaved(await decidePair(id, { decision, ...(reason.trim() ? { reason: reason.trim() } : {}), ...(decision === 'merge' ? { survivor: 'a' as const } : {}) }));
      setReason('');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <StewardsOnly>
      <section aria-labelledby="pair-title">
        <div className="page-header">
          <div>
            <h1 id="pair-title">{t('identity.pair.title')}</h1>
            <button type="button" className="button button--ghost" onClick={() => navigate('/identity')}>{t('identity.back')}</button>
          </div>
        </div>
        {pair.status === 'loading' && <Loading />}
        {pair.status === 'error' && <ErrorBox message={pair.message} onRetry={pair.reload} />}
        {detail && (
          <>
            <p>
              <strong>{t('identity.pair.score', { p: percent(detail.probability) })}</strong>{' · '}
              {t('identity.pair.status')}: <span className="badge" data-testid="pair-status">{tOptional(`identity.status.${detail.status}`) ?? detail.status}</span>
            </p>
            <div className="grid-2">
              <SideCard label="a" side={detail.a} />
              <SideCard label="b" side={detail.b} />
            </div>
            <div className="card">
              <div className="table-scroll">
                <table className="table" data-testid="pair-fields">
                  <thead><tr><th>{t('identity.field')}</th><th>A</th><th>B</th><th /><th>{t('identity.weight')}</th></tr></thead>
                  <tbody>
                    {detail.fields.map((f) => (
                      <tr key={f.field} className={`agreement--${f.agreement}`}>
                        <td>{tOptional(`identity.field.${f.field}`) ?? f.field}</td>
                        <td>{f.a ?? '—'}</td>
                        <td>{f.b ?? '—'}</td>
                        <td><span className={f.agreement === 'differ' ? 'badge badge--alert' : 'badge'}>{t(`identity.agreement.${f.agreement}`)}</span> <span className="muted small">{f.label}</span></td>
                        <td className="mono">{f.weight >= 0 ? '+' : ''}{f.weight.toFixed(2)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p className="muted small">{t('identity.why', { prior: detail.prior.toFixed(2), logOdds: detail.logOdds.toFixed(2) })}</p>
            </div>
            <div className="card">
              {error && <ErrorBox message={error} />}
              {saved && <p className="notice" role="status">{t('identity.decided', { status: tOptional(`identity.status.${saved.status}`) ?? saved.status })}</p>}
              <label className="field">
                <span>{t('identity.reason')}</span>
                <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
              </label>
              <div className="toolbar">
                {detail.allowed.map((d) => (
                  <button key={d} type="button" className={d === 'link' ? 'button button--primary' : 'button'} disabled={busy} onClick={() => decide(d as Decision)}>
                    {t(`identity.decide.${d as Decision}`)}
                  </button>
                ))}
              </div>
              {detail.decisions.length > 0 && (
                <>
                  <h3>{t('identity.history')}</h3>
                  <ul data-testid="pair-decisions">
                    {detail.decisions.map((d) => (
                      <li key={d.id}>
                        {new Date(d.decidedAt).toLocaleString()} · {tOptional(`identity.decide.${d.decision}`) ?? d.decision} · {d.actor.id}
                        {d.reason ? ` · ${d.reason}` : ''} {d.reversedAt ? t('identity.history.reversed') : ''}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </div>
          </>
        )}
      </section>
    </StewardsOnly>
  );
}
