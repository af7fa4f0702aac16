import { ConfigError, parseConfig } from '../../bot/config';
import { JOBS } from '../../bot/jobs';
import { DIRECTORY_OFF_MESSAGE, syncDirectoryJob } from '../../bot/jobs/sync-directory.job';

const graph = { GRAPH_TENANT_ID: 'tenant', GRAPH_CLIENT_ID: 'client', GRAPH_CLIENT_SECRET: 'secret' };
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    parseConfig({ DATABASE_URL: 'sqlite::memory:', ...env });
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

describe('Entra directory settings and the scheduled sync', () => {
  it('when Graph is configured, then the directory sync is a declared job, run at start and every 6 hours by default', () => {
    const config = parseConfig({ DATABASE_URL: 'sqlite::memory:', ...graph });
    expect(JOBS).toContain(syncDirectoryJob);
    expect(syncDirectoryJob.schedule(config)).toEqual({ everyMs: 6 * 3_600_000, runAtStart: true });
    expect(syncDirectoryJob.schedule(parseConfig({ DATABASE_URL: 'sqlite::memory:', ...graph, DIRECTORY_SYNC_EVERY_HOURS: '24' }))).toEqual(
      {
        everyMs: 24 * 3_600_000,
        runAtStart: true,
      },
    );
  });

  it('when Graph is not configured, then the job is off and says why once', () => {
    expect(syncDirectoryJob.schedule(parseConfig({ DATABASE_URL: 'sqlite::memory:' }))).toBeNull();
    expect(syncDirectoryJob.offMessage).toBe(DIRECTORY_OFF_MESSAGE);
  });

  it('when role groups are configured, then each becomes group, role and department', () => {
    const config = parseConfig({
      DATABASE_URL: 'sqlite::memory:',
      ...graph,
      ENTRA_ROLE_GROUPS: '[{"group":"g1","role":"director_of_studies","department":"PHYS"},{"group":"g2","role":"institution_admin"}]',
    });
    expect(config.directory.roleGroups).toEqual([
      { groupId: 'g1', role: 'director_of_studies', departmentId: 'PHYS' },
      { groupId: 'g2', role: 'institution_admin', departmentId: null },
    ]);
  });

  it('when role groups are wrong or Graph is missing, then every problem is named', () => {
    expect(problemsOf({ ...graph, ENTRA_ROLE_GROUPS: '[{"group":"g1","role":"head_of_year","department":"PHYS"}]' })[0]).toMatch(
      /^ENTRA_ROLE_GROUPS: 0\.role: /,
    );
    expect(problemsOf({ ...graph, ENTRA_ROLE_GROUPS: '[{"group":"g1","role":"director_of_studies"}]' })).toEqual([
      'ENTRA_ROLE_GROUPS: 0: every role but institution_admin needs a department',
    ]);
    expect(problemsOf({ ENTRA_ROLE_GROUPS: '[{"group":"g1","role":"institution_admin"}]' })).toEqual([
      'ENTRA_ROLE_GROUPS: needs GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET to read the groups through Microsoft Graph',
    ]);
  });
});
