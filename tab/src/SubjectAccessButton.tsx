import { useEffect, useState } from 'react';
import { Button, Menu, MenuItem, MenuList, MenuPopover, MenuTrigger, makeStyles, tokens } from '@fluentui/react-components';
import { downloadFile, fetchMe, type Authorize } from './api';
import { ErrorBar } from './page';

const useStyles = makeStyles({
  row: { display: 'inline-flex', gap: tokens.spacingHorizontalS, alignItems: 'center', marginLeft: tokens.spacingHorizontalM },
});

/**
 * For institution administrators only: everything held about this student, as a printable page or as
 * JSON, for a subject access request. The server checks the role again and records each report.
 */
export function SubjectAccessButton({ authorize, studentId }: { authorize: Authorize; studentId: string }) {
  const styles = useStyles();
  const [allowed, setAllowed] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    fetchMe(authorize)
      .then((me) => current && setAllowed(me.staff.roles.includes('institution_admin')))
      .catch(() => current && setAllowed(false));
    return () => {
      current = false;
    };
  }, [authorize]);
  if (!allowed) return null;
  const safeId = studentId.replace(/[^A-Za-z0-9_-]/g, '_');
  const download = (format: 'html' | 'json') => {
    setError(null);
    downloadFile(
      authorize,
      `/api/students/${encodeURIComponent(studentId)}/subject-access?format=${format}`,
      `subject-access-${safeId}.${format}`,
    ).catch((e: unknown) => setError(e instanceof Error ? e.message : 'The report could not be produced.'));
  };
  return (
    <span className={styles.row}>
      <Menu>
        <MenuTrigger disableButtonEnhancement>
          <Button>Subject access report</Button>
        </MenuTrigger>
        <MenuPopover>
          <MenuList>
            <MenuItem onClick={() => download('html')}>Printable page (HTML)</MenuItem>
            <MenuItem onClick={() => download('json')}>Data file (JSON)</MenuItem>
          </MenuList>
        </MenuPopover>
      </Menu>
      {error && <ErrorBar message={error} />}
    </span>
  );
}
