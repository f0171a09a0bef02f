import { useState, type FormEvent } from 'react';
import { Link } from '../../app/router.js';
import { useI18n } from '../../i18n/i18n.js';
import { ErrorBox, Loading } from '../layout/status.js';
import { useAsync } from '../layout/use-async.js';
import { DirectionBadge, formatTime, PriorityBadge, StateBadge } from './referral-badges.js';
import { referralsApi, type ReferralDetail } from './referrals-api.js';

/** One referral: facts, the loop's state, the timeline, the returned report, and the buttons the viewer may press. */
export function ReferralDetailPage({ referralId }: { referralId: string }) {
  const { t, language, tOptional } = useI18n();
  const state = useAsync(() => referralsApi.get(referralId), referralId);
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error') return <ErrorBox message={state.message} onRetry={state.reload} />;
  const r = state.data;
  return (
    <section aria-labelledby="referral-title" data-testid="referral-detail" data-state={r.state}>
      <div className="page-header">
        <div>
          <p><Link to="/referrals">← {t('referrals.title')}</Link></p>
          <h1 id="referral-title">{r.patient.display ?? '—'} · {r.specialty.display ?? r.specialty.code}</h1>
          <p>
            <StateBadge state={r.state} /> <PriorityBadge priority={r.priority} /> <DirectionBadge direction={r.direction} />{' '}
            <span className={r.loopClosed ? 'badge badge--status-resolved' : 'badge'} data-testid="loop-status">{r.loopClosed ? t('referrals.loopClosed') : t('referrals.loopOpen')}</span>
          </p>
        </div>
      </div>
      <div className="card">
        <dl className="facts">
          <dt>{t('referrals.from')}</dt><dd>{r.sender.name} {r.requestedBy && `· ${r.requestedBy}`}</dd>
          <dt>{t('referrals.to')}</dt><dd>{r.receiver.name}</dd>
          <dt>{t('referrals.reason')}</dt><dd>{r.reason ?? '—'}</dd>
          <dt>{t('referrals.requestedAt')}</dt><dd>{formatTime(r.requestedAt, language)}</dd>
          <dt>{t('referrals.dueAt')}</dt><dd>{formatTime(r.responseDueAt, language)} {r.overdue && <span className="badge badge--alert">{t('referrals.overdue')}</span>}</dd>
          <dt>{t('referrals.appointment')}</dt><dd data-testid="appointment">{formatTime(r.appointmentAt, language)}</dd>
          {r.decline && <><dt>{t('referrals.declineReason')}</dt><dd>{r.decline.display}{r.decline.note && ` · ${r.decline.note}`}</dd></>}
          {r.followUpTasks && <><dt>{t('referrals.followUp')}</dt><dd>{r.followUpTasks.length}</dd></>}
        </dl>
      </div>
      {r.actions.length > 0 && <ActionPanel referral={r} onDone={state.reload} />}
      {r.reportResource && (
        <div className="card" data-testid="referral-report">
          <h2>{t('referrals.report')}</h2>
          <p>{r.reportResource.code?.text}</p>
          <p>{r.reportResource.conclusion ?? r.reportResource.description}</p>
        </div>
      )}
      <div className="card">
        <h2>{t('referrals.timeline')}</h2>
        <ol className="referral-timeline" data-testid="referral-timeline" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {r.timeline.map((e) => (
            <li key={e.seq} data-action={e.action} style={{ display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'center', padding: '6px 0', borderBottom: '1px solid #eef2f1' }}>
              <strong>{tOptional(`referrals.action.${e.action}`) ?? e.action}</strong> → <StateBadge state={e.to} />{' '}
              <span className="muted">{formatTime(e.at, language)} · {e.actor.institution ?? e.actor.tenant} · {e.actor.display ?? e.actor.id}</span>
              {e.detail?.reason ? <span className="muted"> · {String(e.detail.reason)}</span> : null}
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}

/** One click for plain actions; a small form for those that need input (decline reason, appointment, report, forward). */
function ActionPanel({ referral, onDone }: { referral: ReferralDetail; onDone(): void }) {
  const { t, tOptional, language } = useI18n();
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reasons = useAsync(() => referralsApi.declineReasons(), 'decline-reasons');

  async function run(body: Record<string, unknown>) {
    setBusy(true);
    setError(null);
    try {
      await referralsApi.transition(referral.id, body);
      setOpen(null);
      onDone();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => String(form.get(name) ?? '').trim();
    if (open === 'decline') return run({ action: 'decline', reason: field('reason'), ...(field('note') && { note: field('note') }) });
    // The form's local time is the region's time (China Standard Time), whatever the browser's zone.
    if (open === 'schedule') {
      const local = field('appointmentAt');
      return run({ action: 'schedule', appointmentAt: `${local.length === 16 ? `${local}:00` : local}+08:00` });
    }
    if (open === 'forward') return run({ action: 'forward', receiver: field('receiver') });
    if (open === 'return-report') {
      setBusy(true);
      try {
        const report = await referralsApi.postReport(field('conclusion'));
        return await run({ action: 'return-report', report });
      } catch (err) {
        setBusy(false);
        setError(err instanceof Error ? err.message : String(err));
      }
    }
  }

  const needsForm = new Set(['decline', 'schedule', 'forward', 'return-report']);
  return (
    <div className="card" data-testid="referral-actions">
      <div className="referral-actions">
        {referral.actions.map((action) => (
          <button key={action} type="button" className={action === 'accept' || action === 'return-report' ? 'button button--primary' : 'button'} disabled={busy}
            data-action={action} onClick={() => (needsForm.has(action) ? setOpen(action) : run({ action }))}>
            {tOptional(`referrals.action.${action}`) ?? action}
          </button>
        ))}
      </div>
      {open && (
        <form className="referral-form" onSubmit={submit} data-form={open}>
          {open === 'decline' && (
            <>
              <label>{t('referrals.declineReason')}
                <select name="reason" required>
                  {reasons.status === 'ready' && reasons.data.items.map((r) => <option key={r.code} value={r.code}>{language === 'en' ? r.en : r.zh}</option>)}
                </select>
              </label>
              <label>{t('referrals.note')}<input name="note" /></label>
            </>
          )}
          {open === 'schedule' && <label>{t('referrals.appointment')}<input name="appointmentAt" type="datetime-local" required /></label>}
          {open === 'forward' && <label>{t('referrals.forwardTo')}<input name="receiver" required /></label>}
          {open === 'return-report' && <label>{t('referrals.reportText')}<textarea name="conclusion" required rows={3} /></label>}
          <button type="submit" className="button button--primary" disabled={busy}>{t('referrals.confirm')}</button>
        </form>
      )}
      {error && <ErrorBox message={error} />}
    </div>
  );
}
