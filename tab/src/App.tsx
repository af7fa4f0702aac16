import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  Button,
  FluentProvider,
  MessageBar,
  MessageBarBody,
  Spinner,
  Tab,
  TabList,
  Text,
  makeStyles,
  teamsDarkTheme,
  teamsHighContrastTheme,
  teamsLightTheme,
  tokens,
} from '@fluentui/react-components';
import { browserTheme, detectHost, onTeamsThemeChange, teamsAuthorization, type Host, type ThemeName } from './teams';
import { LocalSignIn } from './LocalSignIn';
import { OpenInTeams } from './OpenInTeams';
import { FlagList } from './FlagList';
import { UrgentPanel } from './UrgentPanel';
import { StudentPage } from './StudentPage';
import { DataPage } from './DataPage';
import { PeoplePage } from './PeoplePage';
import { OverviewPage } from './OverviewPage';
import { SettingsPage } from './SettingsPage';
import { AuditPage } from './AuditPage';
import { ApiFailure, fetchLocalStaff, fetchMe, type Authorize } from './api';
import type { MeResponse } from '../../shared/api/session';

const useStyles = makeStyles({
  root: {
    minHeight: '100vh',
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    backgroundColor: tokens.colorNeutralBackground2,
    color: tokens.colorNeutralForeground1,
    boxSizing: 'border-box',
    '@media (min-width: 1200px)': { padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}` },
    '@media (forced-colors: active)': { '& a': { WebkitTextFillColor: 'LinkText' } },
  },
  header: {
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'baseline',
    columnGap: tokens.spacingHorizontalM,
    flexWrap: 'wrap',
  },
  titleLine: {
    display: 'flex',
    alignItems: 'baseline',
    columnGap: tokens.spacingHorizontalM,
    flexWrap: 'wrap',
    flex: '1 1 0',
    minWidth: 0,
  },
  title: { margin: 0, fontSize: tokens.fontSizeBase500, lineHeight: tokens.lineHeightBase500 },
  demo: { color: tokens.colorPaletteDarkOrangeForeground1, fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase200 },
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
});

const SESSION_KEY = 'engagement-monitor.local-staff';
const THEMES = { default: teamsLightTheme, dark: teamsDarkTheme, contrast: teamsHighContrastTheme } as const;

type Section = 'flags' | 'overview' | 'data' | 'people' | 'settings' | 'audit';
type View = { page: Exclude<Section, 'flags'> } | { page: 'flags'; query?: string } | { page: 'student'; studentId: string };

/**
 * The view lives in the URL hash, so the browser's Back button and a reload keep the place; the list's
 * filters, sort, search and page ride along as a query string (`#/?severity=high&page=2`).
 */
function readView(): View {
  const hash = window.location.hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = hash.split('?', 2);
  const [first, second] = path.split('/');
  if (first === 'students' && second) return { page: 'student', studentId: decodeURIComponent(second) };
  if (first === 'data') return { page: 'data' };
  if (first === 'overview') return { page: 'overview' };
  if (first === 'settings') return { page: 'settings' };
  if (first === 'people') return { page: 'people' };
  if (first === 'audit') return { page: 'audit' };
  return { page: 'flags', query };
}

function hashOf(view: View): string {
  if (view.page === 'student') return `#/students/${encodeURIComponent(view.studentId)}`;
  if (view.page === 'flags') return view.query ? `#/?${view.query}` : '#/';
  return `#/${view.page}`;
}

type Session =
  | { kind: 'pending' }
  | { kind: 'signed-in'; authorize: Authorize; local: boolean }
  | { kind: 'local-sign-in' }
  | { kind: 'open-in-teams' }
  | { kind: 'failed'; message: string };

export function App() {
  const styles = useStyles();
  const [host, setHost] = useState<Host | null>(null);
  const [theme, setTheme] = useState<ThemeName>('default');
  const [session, setSession] = useState<Session>({ kind: 'pending' });
  const [me, setMe] = useState<MeResponse | null>(null);
  const [view, setView] = useState<View>(readView);
  /** The list's last query and the student opened from it: Back returns to the same view, focus on that student. */
  const listQuery = useRef(view.page === 'flags' ? (view.query ?? '') : '');
  const [openedFromList, setOpenedFromList] = useState<string | null>(null);

  useEffect(() => {
    void detectHost().then(setHost);
    const onHash = () => {
      const next = readView();
      if (next.page === 'flags') listQuery.current = next.query ?? '';
      setView(next);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    if (!host) return;
    // A card's link names a student: open them, unless the person has already moved elsewhere in the tab.
    if (host.studentId && readView().page === 'flags') {
      window.location.hash = hashOf({ page: 'student', studentId: host.studentId });
      setView({ page: 'student', studentId: host.studentId });
    }
    if (host.kind === 'teams') {
      setTheme(host.theme);
      onTeamsThemeChange(setTheme);
      setSession({ kind: 'signed-in', authorize: teamsAuthorization, local: false });
      return;
    }
    setTheme(browserTheme());
    const saved = sessionStorage.getItem(SESSION_KEY);
    // Outside Teams the server decides: local mode offers a demo sign-in, production asks for Teams.
    fetchLocalStaff()
      .then(() => setSession(saved ? { kind: 'signed-in', authorize: async () => saved, local: true } : { kind: 'local-sign-in' }))
      .catch((e: unknown) =>
        setSession(
          e instanceof ApiFailure && e.status === 404
            ? { kind: 'open-in-teams' }
            : { kind: 'failed', message: 'The server could not be reached. Please try again in a moment.' },
        ),
      );
  }, [host]);

  useEffect(() => {
    if (session.kind !== 'signed-in') return;
    fetchMe(session.authorize)
      .then(setMe)
      .catch((e: unknown) => setSession({ kind: 'failed', message: e instanceof Error ? e.message : 'Sign-in failed.' }));
  }, [session]);

  const navigate = useCallback((next: View) => {
    window.location.hash = hashOf(next);
    setView(next);
  }, []);
  const rememberListQuery = useCallback((query: string) => {
    listQuery.current = query;
  }, []);

  const signIn = (staffId: string) => {
    const value = `Local ${staffId}`;
    sessionStorage.setItem(SESSION_KEY, value);
    setSession({ kind: 'signed-in', authorize: async () => value, local: true });
  };
  const signOut = () => {
    sessionStorage.removeItem(SESSION_KEY);
    setMe(null);
    setSession({ kind: 'local-sign-in' });
  };

  const content = useMemo(() => {
    if (session.kind === 'pending') return <Spinner label="Loading…" />;
    if (session.kind === 'open-in-teams') return <OpenInTeams />;
    if (session.kind === 'local-sign-in') return <LocalSignIn onSignIn={signIn} />;
    if (session.kind === 'failed')
      return (
        <div className={styles.stack}>
          <MessageBar intent="error">
            <MessageBarBody>{session.message}</MessageBarBody>
          </MessageBar>
          {host?.kind !== 'teams' && <Button onClick={signOut}>Sign in again</Button>}
        </div>
      );
    if (!me) return <Spinner label="Signing you in…" />;
    const auth = session.authorize;
    const wholeDepartment = me.staff.roles.some((r) => r !== 'personal_tutor');
    const administrator = me.staff.roles.includes('department_admin');
    const seesPeople = administrator || me.staff.roles.includes('institution_admin');
    return (
      <div className={styles.stack}>
        <header className={styles.header}>
          <div className={styles.titleLine}>
            <h1 className={styles.title}>Engagement Monitor</h1>
            <Text>{`${me.departmentName} · signed in as ${me.staff.displayName}`}</Text>
            {me.isDemo && (
              <Text className={styles.demo} role="note">
                Demo data: every student and member of staff here is synthetic.
              </Text>
            )}
          </div>
          {session.local && (
            <Button appearance="subtle" size="small" onClick={signOut}>
              Sign out
            </Button>
          )}
        </header>
        <nav aria-label="Sections">
          <TabList
            size="small"
            selectedValue={view.page === 'student' ? 'flags' : view.page}
            onTabSelect={(_, d) =>
              navigate(d.value === 'flags' ? { page: 'flags', query: listQuery.current } : { page: d.value as Exclude<Section, 'flags'> })
            }
          >
            <Tab value="flags">Students to check in with</Tab>
            {wholeDepartment && <Tab value="overview">Overview</Tab>}
            <Tab value="data">Data</Tab>
            {seesPeople && <Tab value="people">People</Tab>}
            {seesPeople && <Tab value="settings">Settings</Tab>}
            {seesPeople && <Tab value="audit">Audit</Tab>}
          </TabList>
        </nav>
        {/* Urgent messages (issue 14) sit above the list, outside the table code. */}
        {view.page === 'flags' && (
          <UrgentPanel
            authorize={auth}
            onOpenStudent={(studentId) => {
              setOpenedFromList(studentId);
              navigate({ page: 'student', studentId });
            }}
          />
        )}
        {view.page === 'flags' && (
          <FlagList
            authorize={auth}
            query={view.query ?? ''}
            onQueryChange={rememberListQuery}
            focusStudentId={openedFromList}
            onOpenStudent={(studentId) => {
              setOpenedFromList(studentId);
              navigate({ page: 'student', studentId });
            }}
          />
        )}
        {view.page === 'student' && (
          <StudentPage authorize={auth} studentId={view.studentId} onBack={() => navigate({ page: 'flags', query: listQuery.current })} />
        )}
        {view.page === 'overview' && wholeDepartment && <OverviewPage authorize={auth} />}
        {view.page === 'data' && <DataPage authorize={auth} canUpload={administrator} />}
        {view.page === 'people' && seesPeople && <PeoplePage authorize={auth} />}
        {view.page === 'settings' && seesPeople && <SettingsPage authorize={auth} />}
        {view.page === 'audit' && seesPeople && <AuditPage authorize={auth} />}
      </div>
    );
  }, [session, me, view, host, styles, navigate, rememberListQuery, openedFromList]);

  return (
    <FluentProvider theme={THEMES[theme]}>
      <main className={styles.root}>{content}</main>
    </FluentProvider>
  );
}
