import { useEffect, useState } from 'react';
import { FlagQuerySchema, type FlagQuery } from '../../shared/api/flags';

export const DEFAULTS: FlagQuery = FlagQuerySchema.parse({});

/** Reads the list's state from the URL's query; a parameter that does not parse is dropped, the rest kept. */
export function parseListQuery(text: string): FlagQuery {
  const raw: Record<string, string> = Object.fromEntries(new URLSearchParams(text));
  for (let attempt = 0; attempt < 12; attempt++) {
    const parsed = FlagQuerySchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) delete raw[String(issue.path[0])];
  }
  return DEFAULTS;
}

/** The list's state as a URL query, leaving out defaults so a plain list keeps a plain address. */
export function listQueryString(query: FlagQuery): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === '' || DEFAULTS[k as keyof FlagQuery] === v) continue;
    params.set(k, String(v));
  }
  return params.toString();
}

/** Whether any filter or search narrows the list (sort and page size do not). */
export const isFiltered = (filters: FlagQuery): boolean =>
  Boolean(filters.severity || filters.status || filters.programme || filters.year || filters.tutor || filters.source || filters.q);

const ownSearch = (f: FlagQuery) => f.q ?? '';

/** The list's filters, kept in step with the address, and the search box's text, which reaches the filters after a pause. */
export function useListQuery(query: string, onQueryChange: (query: string) => void) {
  const [filters, setFilters] = useState<FlagQuery>(() => parseListQuery(query));
  const [search, setSearch] = useState(() => ownSearch(filters));

  // The address follows the list (replaced, not pushed: a filter is not a page of its own), and the list follows
  // the address when the browser goes back or forward to another one.
  useEffect(() => {
    const text = listQueryString(filters);
    const hash = text ? `#/?${text}` : '#/';
    if (window.location.hash !== hash && !(hash === '#/' && ['', '#', '#/'].includes(window.location.hash)))
      window.history.replaceState(window.history.state, '', hash);
    onQueryChange(text);
  }, [filters, onQueryChange]);
  useEffect(() => {
    const next = parseListQuery(query);
    setFilters((current) => (listQueryString(current) === listQueryString(next) ? current : next));
    setSearch((current) => (current.trim() === ownSearch(next) ? current : ownSearch(next)));
  }, [query]);

  // Typing searches after a short pause rather than on every key.
  useEffect(() => {
    const timer = setTimeout(
      () => setFilters((f) => (f.q === (search.trim() || undefined) ? f : { ...f, q: search.trim() || undefined, page: 1 })),
      250,
    );
    return () => clearTimeout(timer);
  }, [search]);

  return { filters, setFilters, search, setSearch };
}
