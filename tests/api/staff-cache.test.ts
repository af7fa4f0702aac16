import { createStaffCache } from '../../bot/api/auth';
import type { Staff } from '../../bot/store/staff.repository';

const member = (roles: Staff['roles']): Staff => ({
  id: 's1',
  departmentId: 'dept-a',
  displayName: 'Dr One',
  email: null,
  entraId: null,
  roles,
});

describe('staff cache for request sign-in', () => {
  it('when the same member of staff signs in again within the time to live, then they are not looked up again, and after it they are', async () => {
    let clock = 0;
    const cache = createStaffCache({ ttlMs: 2000, clock: () => clock });
    let stored = member(['director_of_studies']);
    const load = jest.fn(async () => stored);
    expect((await cache.get('id:s1', load))?.roles).toEqual(['director_of_studies']);
    stored = member(['personal_tutor']);
    clock = 1999;
    expect((await cache.get('id:s1', load))?.roles).toEqual(['director_of_studies']);
    clock = 2000;
    expect((await cache.get('id:s1', load))?.roles).toEqual(['personal_tutor']);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('when a key is unknown, then it is not remembered, so staff added a moment later can sign in at once', async () => {
    const cache = createStaffCache({ ttlMs: 60_000, clock: () => 0 });
    let stored: Staff | undefined = undefined;
    const load = jest.fn(async () => stored);
    expect(await cache.get('id:s1', load)).toBeUndefined();
    stored = member(['personal_tutor']);
    expect((await cache.get('id:s1', load))?.id).toBe('s1');
  });

  it('when the cache is cleared, then the next sign-in looks the member up again', async () => {
    const cache = createStaffCache({ ttlMs: 60_000, clock: () => 0 });
    const load = jest.fn(async () => member(['personal_tutor']));
    await cache.get('id:s1', load);
    cache.clear();
    await cache.get('id:s1', load);
    expect(load).toHaveBeenCalledTimes(2);
  });
});
