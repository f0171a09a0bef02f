import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.js';
import { PasswordForm, RenewRecoveryCodesForm } from './account-forms.js';
import { EnrolmentPanel, RecoveryCodes } from './enrolment-panel.js';
import { useSession } from './session.js';

/** The signed-in person's own second factor: set it up (QR, first code, recovery codes shown once). */
export function SecurityPage() {
  const { t } = useI18n();
  const { session, updateUser } = useSession();
  const [stage, setStage] = useState<'idle' | 'enrolling' | { codes: string[] }>('idle');
  const enabled = session?.user.mfaEnabled === true;

  return (
    <section aria-labelledby="security-title">
      <div className="page-header">
        <div>
          <h1 id="security-title">{t('security.title')}</h1>
          <p className="muted">{t('security.lead')}</p>
        </div>
      </div>
      <div className="card" style={{ maxWidth: 460 }}>
        {typeof stage === 'object' ? (
          <RecoveryCodes codes={stage.codes} onDone={() => setStage('idle')} />
        ) : stage === 'enrolling' ? (
          <EnrolmentPanel
            onConfirmed={({ recoveryCodes }) => {
              updateUser({ mfaEnabled: true });
              setStage({ codes: recoveryCodes });
            }}
          />
        ) : (
          <>
            <p data-testid="mfa-status">{enabled ? t('security.enabled') : t('security.disabled')}</p>
            {enabled ? (
              <>
                <p className="muted small">{t('security.resetHint')}</p>
                <RenewRecoveryCodesForm onRenewed={(codes) => setStage({ codes })} />
              </>
            ) : (
              <button type="button" className="button button--primary" onClick={() => setStage('enrolling')}>
                {t('enrol.start')}
              </button>
            )}
          </>
        )}
      </div>
      <PasswordForm />
    </section>
  );
}
