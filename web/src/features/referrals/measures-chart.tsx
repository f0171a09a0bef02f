import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { useI18n } from '../../i18n/i18n.js';
import type { ReferralMeasures } from './referrals-api.js';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/**
 * Up / down / lateral referrals per month, stacked. Each referral is counted once: for the region by its sender;
 * for one institution's view, the rows are that institution's own, as sender or as receiver (never both at once).
 */
export function MonthlyReferralChart({ monthly, institutionScope }: { monthly: ReferralMeasures['monthly']; institutionScope: boolean }) {
  const { t } = useI18n();
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current) return;
    const sent = institutionScope ? monthly : monthly.filter((m) => m.role === 'sender');
    const months = [...new Set(sent.map((m) => m.month))].sort();
    const chart = echarts.init(element.current, undefined, { renderer: 'canvas' });
    const directions = ['up', 'down', 'lateral'] as const;
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      legend: { top: 0, right: 0 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'category', data: months },
      yAxis: { type: 'value', minInterval: 1 },
      series: directions.map((d, i) => ({
        name: t(`referrals.measures.${d}`), type: 'bar', stack: 'n', barMaxWidth: 36, itemStyle: { color: ['#0f6b5c', '#5fa8d3', '#c9a227'][i] },
        data: months.map((month) => sent.filter((m) => m.month === month && m.direction === d).reduce((s, m) => s + m.n, 0)),
      })),
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => { window.removeEventListener('resize', resize); chart.dispose(); };
  }, [monthly, institutionScope, t]);
  return <div ref={element} className="chart" role="img" aria-label={t('referrals.measures.monthly')} />;
}

/** Decline reasons as horizontal bars. */
export function DeclineReasonChart({ reasons }: { reasons: ReferralMeasures['declineReasons'] }) {
  const { language, t } = useI18n();
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current) return;
    const chart = echarts.init(element.current, undefined, { renderer: 'canvas' });
    chart.setOption({
      animation: false,
      grid: { left: 140, right: 24, top: 8, bottom: 24 },
      tooltip: {},
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: reasons.map((r) => (language === 'en' ? r.en : r.zh)).reverse() },
      series: [{ type: 'bar', data: reasons.map((r) => r.n).reverse(), itemStyle: { color: '#d1495b' }, barMaxWidth: 20 }],
    });
    return () => chart.dispose();
  }, [reasons, language]);
  return <div ref={element} className="chart" role="img" aria-label={t('referrals.measures.declines')} />;
}
