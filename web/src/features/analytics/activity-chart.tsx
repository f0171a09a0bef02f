import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { useI18n } from '../../i18n/i18n.js';
import type { DailyActivity } from './region-overview.js';

// Only the parts the chart uses, so the bundle stays small.
echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** Stacked bars of creates / updates / deletes per day. */
export function ActivityChart({ activity }: { activity: DailyActivity[] }) {
  const { t } = useI18n();
  const element = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!element.current) return;
    const chart = echarts.init(element.current, undefined, { renderer: 'canvas' });
    const series = (['creates', 'updates', 'deletes'] as const).map((field, i) => ({
      name: t(`overview.activity.${field}`),
      type: 'bar' as const,
      stack: 'changes',
      barMaxWidth: 28,
      itemStyle: { color: ['#0f6b5c', '#5fa8d3', '#d1495b'][i] },
      data: activity.map((day) => day[field]),
    }));
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 12 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'category', data: activity.map((day) => day.date.slice(5)), axisTick: { show: false } },
      yAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#e6ece9' } } },
      series,
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [activity, t]);

  return <div ref={element} className="chart" role="img" aria-label={t('overview.activity', { days: activity.length })} />;
}
