import { useI18n } from '../../i18n/i18n.js';
import type { ReferralMeasures } from './referrals-api.js';

const DIRECTIONS = ['up', 'down', 'lateral'] as const;
const ROLES = ['sender', 'receiver'] as const;

/**
 * Up / down / lateral referrals per institution per month, as sender and as receiver: the figures the
 * monthly chart sums up, readable and exact (one row per month and institution).
 */
export function PerInstitutionTable({ monthly }: { monthly: ReferralMeasures['monthly'] }) {
  const { t } = useI18n();
  const rows = new Map<string, { month: string; institution: string; name: string | null; n: Record<string, number> }>();
  for (const m of monthly) {
    const key = `${m.month}|${m.institution}`;
    const row = rows.get(key) ?? { month: m.month, institution: m.institution, name: m.name, n: {} };
    row.n[`${m.role}-${m.direction}`] = (row.n[`${m.role}-${m.direction}`] ?? 0) + m.n;
    rows.set(key, row);
  }
  const sorted = [...rows.values()].sort((a, b) => a.month.localeCompare(b.month) || (a.name ?? a.institution).localeCompare(b.name ?? b.institution, 'zh-CN'));
  if (sorted.length === 0) return <p className="empty">{t('common.none')}</p>;
  return (
    <div className="table-scroll">
      <table className="table" data-testid="measures-per-institution">
        <thead>
          <tr>
            <th rowSpan={2}>{t('referrals.measures.month')}</th>
            <th rowSpan={2}>{t('referrals.measures.institution')}</th>
            <th colSpan={3} className="num">{t('referrals.measures.sent')}</th>
            <th colSpan={3} className="num">{t('referrals.measures.received')}</th>
          </tr>
          <tr>
            {ROLES.flatMap((role) => DIRECTIONS.map((d) => <th key={`${role}-${d}`} className="num">{t(`referrals.measures.${d}`)}</th>))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={`${r.month}|${r.institution}`} data-month={r.month} data-institution={r.institution}>
              <td>{r.month}</td>
              <td>{r.name ?? r.institution}</td>
              {ROLES.flatMap((role) => DIRECTIONS.map((d) => (
                <td key={`${role}-${d}`} className="num" data-cell={`${role}-${d}`}>{r.n[`${role}-${d}`] ?? 0}</td>
              )))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Decline reasons with their counts, most frequent first (the chart beside it draws the same rows). */
export function DeclineReasonTable({ reasons }: { reasons: ReferralMeasures['declineReasons'] }) {
  const { language, t } = useI18n();
  return (
    <table className="table" data-testid="measures-declines">
      <thead><tr><th>{t('referrals.measures.reason')}</th><th className="num">{t('referrals.measures.count')}</th></tr></thead>
      <tbody>
        {reasons.map((r) => (
          <tr key={r.code} data-code={r.code}><td>{language === 'en' ? r.en : r.zh}</td><td className="num">{r.n}</td></tr>
        ))}
      </tbody>
    </table>
  );
}
