import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { formatMessage, translate } from './i18n.js';
import { zhCN } from './zh-CN.js';

describe('i18n dictionaries', () => {
  it('have the same keys and no empty strings', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
    for (const dict of [en, zhCN]) expect(Object.values(dict).filter((v) => v.trim() === '')).toEqual([]);
  });

  it('use the same placeholders in both languages', () => {
    const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(zhCN) as Array<keyof typeof zhCN>) {
      expect(placeholders(en[key]), key).toEqual(placeholders(zhCN[key]));
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(formatMessage('{count} of {total}', { count: 3 })).toBe('3 of {total}');
    expect(translate('zh-CN', 'patients.results', { count: 2 })).toBe('找到 2 位患者');
    expect(translate('en', 'patients.results', { count: 2 })).toBe('2 patients found');
    expect(translate('en', 'no.such.key')).toBe('no.such.key');
  });
});
