import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../platform/config/config.js';
import { peoplePolicyFromConfig } from './session.service.js';

describe('people sign-in policy from config', () => {
  it('requires MFA by default and not in demo mode, unless XIETONG_REQUIRE_MFA says otherwise', () => {
    expect(loadConfig({}).requireMfa).toBe(true);
    expect(loadConfig({ XIETONG_DEMO: 'true' }).requireMfa).toBe(false);
    expect(loadConfig({}, { demo: true }).requireMfa).toBe(false);
    expect(loadConfig({ XIETONG_DEMO: 'true', XIETONG_REQUIRE_MFA: 'true' }).requireMfa).toBe(true);
    expect(loadConfig({ XIETONG_REQUIRE_MFA: 'false' }).requireMfa).toBe(false);
    expect(() => loadConfig({ XIETONG_REQUIRE_MFA: 'maybe' })).toThrow(ConfigError);
  });

  it('gives people 15-minute access tokens, 8-hour refresh tokens and sessions of at least 24 hours', () => {
    const policy = peoplePolicyFromConfig(loadConfig({}));
    expect(policy).toMatchObject({ accessTtlSeconds: 900, refreshTtlSeconds: 8 * 3600, sessionMaxSeconds: 24 * 3600 });
    expect(peoplePolicyFromConfig(loadConfig({ XIETONG_PEOPLE_TOKEN_TTL: '300', XIETONG_REFRESH_TTL: '172800' }))).toMatchObject({
      accessTtlSeconds: 300,
      sessionMaxSeconds: 172800,
    });
    expect(() => loadConfig({ XIETONG_PEOPLE_TOKEN_TTL: '0' })).toThrow(ConfigError);
  });
});
