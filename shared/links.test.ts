import { tabLink } from './links';

describe('tabLink', () => {
  it('when the Teams app id is known, then the link is a Teams deep link to the personal tab with the student as sub-entity', () => {
    const link = new URL(tabLink({ teamsAppId: '6f1c2a4e-1111-4222-8333-944455556666', publicUrl: 'https://em.example.ac.uk/' }, 'S 1/2'));
    expect(link.origin).toBe('https://teams.microsoft.com');
    expect(link.pathname).toBe('/l/entity/6f1c2a4e-1111-4222-8333-944455556666/check-ins');
    expect(JSON.parse(link.searchParams.get('context') ?? '')).toEqual({ subEntityId: 'S 1/2' });
    expect(link.searchParams.get('webUrl')).toBe('https://em.example.ac.uk/?student=S%201%2F2');
  });

  it('when no student is given, then the deep link opens the tab without a context', () => {
    const link = new URL(tabLink({ teamsAppId: 'app', publicUrl: 'https://em.example.ac.uk' }));
    expect(link.pathname).toBe('/l/entity/app/check-ins');
    expect(link.searchParams.has('context')).toBe(false);
  });

  it('when there is no Teams app id (local mode), then the link is the tab’s web address carrying the student', () => {
    expect(tabLink({ teamsAppId: '', publicUrl: 'http://localhost:3978' }, 'S1')).toBe('http://localhost:3978/?student=S1');
  });
});
