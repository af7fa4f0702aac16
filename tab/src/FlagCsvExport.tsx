import { useState } from 'react';
import { Button } from '@fluentui/react-components';
import type { FlagQuery } from '../../shared/api/flags';
import { downloadFlagsCsv, type Authorize } from './api';

/** Downloads the rows the filters select (every page of them) as a CSV file; a failure is shown by the list. */
export function FlagCsvExport({
  authorize,
  filters,
  disabled,
  onError,
}: {
  authorize: Authorize;
  filters: FlagQuery;
  disabled: boolean;
  onError: (message: string) => void;
}) {
  const [exporting, setExporting] = useState(false);
  const exportCsv = () => {
    setExporting(true);
    downloadFlagsCsv(authorize, filters)
      .catch((e: unknown) => onError(e instanceof Error ? e.message : 'The export failed.'))
      .finally(() => setExporting(false));
  };
  return (
    <Button size="small" onClick={exportCsv} disabled={exporting || disabled}>
      {exporting ? 'Exporting…' : 'Export this view as CSV'}
    </Button>
  );
}
