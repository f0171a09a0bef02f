import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password.js';

describe('password hashing', () => {
  it('verifies the right password and rejects a wrong one', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
  });

  it('stores a self-describing scrypt string with N >= 2^15 and a random salt', async () => {
    const a = await hashPassword('same password');
    const b = await hashPassword('same password');
    expect(a).toMatch(/^scrypt\$N=32768,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
  });

  it('verifies hashes made with other parameters (cost can change later)', async () => {
    const cheap = await hashPassword('pw', { N: 1024, r: 8, p: 1 });
    expect(cheap.startsWith('scrypt$N=1024,r=8,p=1$')).toBe(true);
    expect(await verifyPassword('pw', cheap)).toBe(true);
  });

  it('treats Unicode-equivalent passwords alike (NFKC)', async () => {
    const hash = await hashPassword('密码Ａ1', { N: 1024, r: 8, p: 1 });
    expect(await verifyPassword('密码A1', hash)).toBe(true);
  });

  it('rejects malformed or tampered hashes without throwing', async () => {
    expect(await verifyPassword('pw', '')).toBe(false);
    expect(await verifyPassword('pw', 'plain-text-password')).toBe(false);
    expect(await verifyPassword('pw', 'scrypt$N=1000,r=8,p=1$AAAA$AAAA')).toBe(false); // N not a power of two
    expect(await verifyPassword('pw', `scrypt$N=${2 ** 30},r=8,p=1$AAAA$AAAA`)).toBe(false); // absurd cost
    const good = await hashPassword('pw', { N: 1024, r: 8, p: 1 });
    expect(await verifyPassword('pw', good.slice(0, -4))).toBe(false); // truncated key
  });
});
