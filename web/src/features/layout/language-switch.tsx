import { useI18n } from '../../i18n/i18n.js';

/** One button that flips between 中文 and English; the choice is kept in localStorage. */
export function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  return (
    <button
      type="button"
      className="button button--ghost lang-switch"
      title={t('lang.switchTitle')}
      data-testid="language-switch"
      onClick={() => setLanguage(language === 'zh-CN' ? 'en' : 'zh-CN')}
    >
      {t('lang.switch')}
    </button>
  );
}
