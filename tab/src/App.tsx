import { useEffect, useState } from 'react';
import { FluentProvider, Spinner, teamsDarkTheme, teamsHighContrastTheme, teamsLightTheme, makeStyles, tokens } from '@fluentui/react-components';
import { detectHost, type Host } from './teams';
import { LocalSignIn } from './LocalSignIn';
import { FlagList } from './FlagList';

const useStyles = makeStyles({
  root: { minHeight: '100vh', padding: tokens.spacingHorizontalXL, backgroundColor: tokens.colorNeutralBackground2, boxSizing: 'border-box' },
});

const SESSION_KEY = 'engagement-monitor.local-staff';

function themeFor(host: Host | null) {
  if (host?.kind !== 'teams') return teamsLightTheme;
  if (host.theme === 'dark') return teamsDarkTheme;
  if (host.theme === 'contrast') return teamsHighContrastTheme;
  return teamsLightTheme;
}

export function App() {
  const styles = useStyles();
  const [host, setHost] = useState<Host | null>(null);
  const [auth, setAuth] = useState<string | null>(() => sessionStorage.getItem(SESSION_KEY));

  useEffect(() => {
    void detectHost().then(setHost);
  }, []);

  const signIn = (staffId: string) => {
    const value = `Local ${staffId}`;
    sessionStorage.setItem(SESSION_KEY, value);
    setAuth(value);
  };
  const signOut = () => {
    sessionStorage.removeItem(SESSION_KEY);
    setAuth(null);
  };

  return (
    <FluentProvider theme={themeFor(host)}>
      <main className={styles.root}>
        {host === null ? <Spinner label="Loading…" /> : auth ? <FlagList authorization={auth} onSignOut={signOut} /> : <LocalSignIn onSignIn={signIn} />}
      </main>
    </FluentProvider>
  );
}
