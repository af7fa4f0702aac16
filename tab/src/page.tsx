import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { MessageBar, MessageBarBody, Spinner, makeStyles, tokens } from '@fluentui/react-components';

/** The layout pieces the tab's pages share. */
export const usePageStyles = makeStyles({
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  table: { backgroundColor: tokens.colorNeutralBackground1 },
  card: { padding: tokens.spacingHorizontalL },
  row: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'end', flexWrap: 'wrap' },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** A page's own title. */
export function PageTitle({ id, children }: { id: string; children: ReactNode }) {
  return (
    <h2 id={id} style={{ margin: 0, fontSize: tokens.fontSizeBase500 }}>
      {children}
    </h2>
  );
}

export function ErrorBar({ message }: { message: string }) {
  return (
    <MessageBar intent="error">
      <MessageBarBody>{message}</MessageBarBody>
    </MessageBar>
  );
}

/** What a page shows until its data has come: the error if loading failed, a spinner otherwise. */
export function Pending({ error, label }: { error: string | null; label: string }) {
  return error ? <ErrorBar message={error} /> : <Spinner label={label} />;
}

/**
 * Loads a page's data through `load` (memoised by the caller: a new `load` loads again) and keeps the
 * last answer; `reload` loads again on demand. A failure shows its message, or `fallback` when it has none.
 */
export function useFetched<T>(load: () => Promise<T>, fallback = 'Something went wrong.') {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    load()
      .then(setData)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : fallback));
  }, [load, fallback]);
  useEffect(reload, [reload]);
  return { data, error, setData, reload };
}
