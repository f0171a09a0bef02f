import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en } from './en.js';
import { zhCN, type MessageKey, type Messages } from './zh-CN.js';

export type Language = 'zh-CN' | 'en';
const DICTIONARIES: Record<Language, Messages> = { 'zh-CN': zhCN, en };
export const LANGUAGE_STORAGE_KEY = 'xietong.lang';

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** Fills `{name}` placeholders. Unknown placeholders stay visible so a missing parameter is noticed. */
export function formatMessage(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Looks a key up in one language; falls back to the key itself for keys built at run time that do not exist. */
export function translate(language: Language, key: string, params?: Record<string, string | number>): string {
  const dict = DICTIONARIES[language] as Record<string, string>;
  return formatMessage(dict[key] ?? key, params);
}

function readStoredLanguage(): Language {
  try {
    return localStorage.getItem(LANGUAGE_STORAGE_KEY) === 'en' ? 'en' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

interface I18nValue {
  language: Language;
  setLanguage(language: Language): void;
  t: Translate;
  /** For keys composed at run time (codes from data); returns null when the dictionary has no entry. */
  tOptional(key: string): string | null;
}

const I18nContext = createContext<I18nValue | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(readStoredLanguage);
  const setLanguage = useCallback((next: Language) => {
    setLanguageState(next);
    try {
      localStorage.setItem(LANGUAGE_STORAGE_KEY, next);
    } catch {
      // Private mode without storage: the choice lasts for this page only.
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = language;
    document.title = `${translate(language, 'app.name')} · ${translate(language, 'app.subtitle')}`;
  }, [language]);
  const value = useMemo<I18nValue>(
    () => ({
      language,
      setLanguage,
      t: (key, params) => translate(language, key, params),
      tOptional: (key) => (DICTIONARIES[language] as Record<string, string>)[key] ?? null,
    }),
    [language, setLanguage],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18nValue {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
