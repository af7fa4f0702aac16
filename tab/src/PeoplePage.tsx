import { useCallback, useState } from 'react';
import {
  Badge,
  Field,
  Select,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import type { RoleGrant } from '../../shared/api/people';
import { fetchPeople, type Authorize } from './api';
import { formatInstant } from './words';
import { PageTitle, Pending, usePageStyles, useFetched } from './page';

const useStyles = makeStyles({
  roles: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS },
});

const ROLE_WORDS: Record<RoleGrant['role'], string> = {
  personal_tutor: 'Personal tutor',
  director_of_studies: 'Director of Studies',
  student_experience_officer: 'Student Experience Officer',
  department_admin: 'Department administrator',
  wellbeing: 'Wellbeing',
  institution_admin: 'Institution administrator',
};

const SOURCE_WORDS: Record<RoleGrant['source'], string> = {
  roster: 'from the roster',
  csv: 'from the staff CSV',
  entra_group: 'from an Entra group',
  manual: 'set by hand',
  demo: 'demo',
};

/** For administrators: who is set up, with which roles and from where, and who cannot be reached yet. */
export function PeoplePage({ authorize }: { authorize: Authorize }) {
  const page = usePageStyles();
  const styles = useStyles();
  const [department, setDepartment] = useState('');
  const { data, error } = useFetched(useCallback(() => fetchPeople(authorize, department || undefined), [authorize, department]));
  if (error || !data) return <Pending error={error} label="Loading people…" />;
  const names = new Map(data.departments.map((d) => [d.id, d.name]));
  return (
    <section className={page.stack} aria-labelledby="people-title">
      <PageTitle id="people-title">{data.scope === 'institution' ? 'Departments' : 'Your department'}</PageTitle>
      {data.scope === 'institution' && (
        <Field label="Department">
          <Select value={department} onChange={(_, d) => setDepartment(d.value)}>
            <option value="">Every department</option>
            {data.departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </Select>
        </Field>
      )}
      <Table aria-label="Departments" className={page.table} size="small">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Code</TableHeaderCell>
            <TableHeaderCell>Name</TableHeaderCell>
            <TableHeaderCell>Students</TableHeaderCell>
            <TableHeaderCell>Staff</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {data.departments.map((d) => (
            <TableRow key={d.id}>
              <TableCell>{d.id}</TableCell>
              <TableCell>{d.name}</TableCell>
              <TableCell>{d.students}</TableCell>
              <TableCell>{d.staff}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>

      <PageTitle id="staff-title">Staff and their roles</PageTitle>
      <Table aria-labelledby="staff-title" className={page.table} size="small">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Name</TableHeaderCell>
            <TableHeaderCell>Department</TableHeaderCell>
            <TableHeaderCell>Roles</TableHeaderCell>
            <TableHeaderCell>Teams</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {data.staff.map((s) => (
            <TableRow key={s.id}>
              <TableCell>
                <Text block>{s.displayName}</Text>
                <Text className={page.muted} size={200}>
                  {s.email ?? 'no e-mail'}
                </Text>
              </TableCell>
              <TableCell>{names.get(s.departmentId) ?? s.departmentId}</TableCell>
              <TableCell>
                <div className={styles.roles}>
                  {s.roles.length === 0 && <Text className={page.muted}>No role</Text>}
                  {s.roles.map((r) => (
                    <Badge key={`${r.role}-${r.source}-${r.sourceRef}`} appearance="tint" title={r.sourceRef || undefined}>
                      {`${ROLE_WORDS[r.role]} (${SOURCE_WORDS[r.source]})`}
                    </Badge>
                  ))}
                </div>
              </TableCell>
              <TableCell>
                {!s.entraMatched ? (
                  <Badge color="danger">Not matched to Entra</Badge>
                ) : s.appInstalled ? (
                  <Badge color="success">App open</Badge>
                ) : (
                  <Badge color="warning">App not opened yet</Badge>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>

      <PageTitle id="tutors-title">Personal tutors who have not opened the app</PageTitle>
      {data.tutorsWithoutApp.length === 0 ? (
        <Text>Every personal tutor has opened the app in Teams.</Text>
      ) : (
        <Text>
          {`Their digests wait until they open Engagement Monitor in Teams: ${data.tutorsWithoutApp.map((t) => t.displayName).join(', ')}.`}
        </Text>
      )}

      <PageTitle id="unmatched-title">Not matched to Microsoft Entra</PageTitle>
      {data.unmatched.length === 0 ? (
        <Text>Everyone is matched to an Entra account.</Text>
      ) : (
        <Table aria-labelledby="unmatched-title" className={page.table} size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Who</TableHeaderCell>
              <TableHeaderCell>E-mail</TableHeaderCell>
              <TableHeaderCell>Why</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {data.unmatched.map((p) => (
              <TableRow key={`${p.kind}-${p.id}`}>
                <TableCell>{`${p.name} (${p.kind === 'staff' ? 'staff' : 'student'} ${p.id})`}</TableCell>
                <TableCell>{p.email ?? 'none in the roster'}</TableCell>
                <TableCell>{p.note ?? 'Not looked up yet.'}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}

      {data.groups.length > 0 && (
        <>
          <PageTitle id="groups-title">Entra role groups</PageTitle>
          <Table aria-labelledby="groups-title" className={page.table} size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Group</TableHeaderCell>
                <TableHeaderCell>Role</TableHeaderCell>
                <TableHeaderCell>Last read</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.groups.map((g) => (
                <TableRow key={g.groupId}>
                  <TableCell>{g.groupId}</TableCell>
                  <TableCell>{`${ROLE_WORDS[g.role as RoleGrant['role']] ?? g.role}${g.departmentId ? ` in ${names.get(g.departmentId) ?? g.departmentId}` : ''}`}</TableCell>
                  <TableCell>
                    {g.lastStatus === 'succeeded'
                      ? `${formatInstant(g.lastRunAt)}: ${g.members} members`
                      : `${formatInstant(g.lastRunAt)}: ${g.lastError ?? 'failed'}`}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </>
      )}
    </section>
  );
}
