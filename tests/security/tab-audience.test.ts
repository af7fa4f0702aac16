import { startTestApp, type RunningApp } from '../support/app';
import { buildStaff, seedDepartment, seedPeople } from '../support/factories';
import { ssoEnv, startLocalEntra, TEST_CLIENT_ID, TEST_TENANT, type LocalEntra } from '../support/entra';

const director = buildStaff({ departmentId: 'dept-a', roles: ['director_of_studies'], entraId: '0a0a0a0a-0000-4000-8000-0000000000d1' });
const V1_ISSUER = `https://sts.windows.net/${TEST_TENANT}/`;

describe('which audiences the tab API accepts', () => {
  let entra: LocalEntra;
  let server: RunningApp;
  let custom: RunningApp;

  beforeAll(async () => {
    entra = await startLocalEntra();
    server = await startTestApp(ssoEnv(entra));
    custom = await startTestApp({ ...ssoEnv(entra), ENTRA_APP_ID_URI: `api://tabs.example.ac.uk/${TEST_CLIENT_ID}` });
    for (const app of [server, custom]) {
      await seedDepartment(app.app.db);
      await seedPeople(app.app.db, { staff: [director] });
    }
  });
  afterAll(async () => {
    await server?.close();
    await custom?.close();
    await entra?.close();
  });

  const me = async (on: RunningApp, aud: string, iss?: string) => {
    const token = await entra.sign({ oid: director.entraId!, aud, ...(iss ? { iss } : {}) });
    return (await fetch(`${on.baseUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status;
  };

  it('when a token names the client id or the Application ID URI of this deployment, then it is accepted', async () => {
    expect(await me(server, TEST_CLIENT_ID)).toBe(200);
    expect(await me(server, `api://engagement.example.ac.uk/${TEST_CLIENT_ID}`, V1_ISSUER)).toBe(200);
    expect(await me(custom, `api://tabs.example.ac.uk/${TEST_CLIENT_ID}`, V1_ISSUER)).toBe(200);
  });

  it.each([
    `api://evil.example.com/${TEST_CLIENT_ID}`,
    `api://engagement.example.ac.uk.evil.example.com/${TEST_CLIENT_ID}`,
    `api://x/y/${TEST_CLIENT_ID}`,
    `api://${TEST_CLIENT_ID}`,
  ])('when a token names another Application ID URI (%s) that ends in the client id, then it is refused with 401', async (aud) => {
    expect(await me(server, aud, V1_ISSUER)).toBe(401);
  });

  it('when ENTRA_APP_ID_URI is set, then the URI derived from PUBLIC_URL is no longer accepted', async () => {
    expect(await me(custom, `api://engagement.example.ac.uk/${TEST_CLIENT_ID}`, V1_ISSUER)).toBe(401);
  });
});
