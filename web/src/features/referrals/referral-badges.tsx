import { useI18n } from '../../i18n/i18n.js';

/** State, priority and direction as small coloured labels. */
export function StateBadge({ state }: { state: string }) {
  const { tOptional } = useI18n();
  return <span className={`badge badge--referral-${state}`} data-state={state}>{tOptional(`referrals.state.${state}`) ?? state}</span>;
}

export function PriorityBadge({ priority }: { priority: string }) {
  const { tOptional } = useI18n();
  return <span className={priority === 'routine' ? 'badge' : 'badge badge--alert'}>{tOptional(`referrals.priority.${priority}`) ?? priority}</span>;
}

export function DirectionBadge({ direction }: { direction: string }) {
  const { tOptional } = useI18n();
  return <span className="badge">{tOptional(`referrals.direction.${direction}`) ?? direction}</span>;
}

export function formatTime(iso: string | null, language: string): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(language === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'short' });
}
