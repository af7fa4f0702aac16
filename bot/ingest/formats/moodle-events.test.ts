import { classifyLogstoreEvent, createLogstoreCounter, type LogstoreEvent } from './moodle-events';

const event = (over: Partial<LogstoreEvent>): LogstoreEvent => ({
  eventName: '\\core\\event\\user_loggedin',
  userId: 2113,
  relatedUserId: null,
  realUserId: null,
  anonymous: 0,
  origin: 'web',
  contextInstanceId: 0,
  ...over,
});

describe('the Moodle log counting rule', () => {
  it('when a student logs in or submits from the web or the app, then it counts as theirs', () => {
    expect(classifyLogstoreEvent(event({}))).toBe('moodle_login');
    expect(classifyLogstoreEvent(event({ origin: 'ws' }))).toBe('moodle_login');
    expect(classifyLogstoreEvent(event({ eventName: '\\mod_quiz\\event\\attempt_submitted', relatedUserId: 2113 }))).toBe(
      'moodle_submission',
    );
  });

  it('when the event is read from a CSV dump, then text values follow the same rule as database values', () => {
    expect(classifyLogstoreEvent(event({ userId: '2113', realUserId: '', anonymous: '0' }))).toBe('moodle_login');
    expect(classifyLogstoreEvent(event({ userId: '2113', realUserId: '\\N' }))).toBe('moodle_login');
    expect(classifyLogstoreEvent(event({ userId: '2113', realUserId: '5' }))).toBeNull();
    expect(classifyLogstoreEvent(event({ userId: '2113', anonymous: '1' }))).toBeNull();
  });

  it('when staff are logged in as the student, cron acts, or a teacher acts on the student, then nothing counts', () => {
    expect(classifyLogstoreEvent(event({ realUserId: 5 }))).toBeNull();
    expect(classifyLogstoreEvent(event({ origin: 'cli' }))).toBeNull();
    expect(classifyLogstoreEvent(event({ userId: 0 }))).toBeNull();
    expect(
      classifyLogstoreEvent(event({ eventName: '\\mod_assign\\event\\assessable_submitted', userId: 5, relatedUserId: 2113 })),
    ).toBeNull();
    expect(classifyLogstoreEvent(event({ eventName: '\\mod_assign\\event\\submission_status_updated' }))).toBeNull();
    expect(classifyLogstoreEvent(event({ anonymous: 1, eventName: '\\assignsubmission_file\\event\\submission_created' }))).toBeNull();
  });

  it('when events are counted, then each qualifying event is one occurrence for its user and day', () => {
    const seen: string[] = [];
    const count = createLogstoreCounter((user, day, source) => seen.push(`${user} ${day} ${source}`));
    count(event({}), '2026-11-20');
    count(event({ realUserId: 5 }), '2026-11-20');
    count(event({ eventName: '\\assignsubmission_file\\event\\submission_updated' }), '2026-11-20');
    count(event({ eventName: '\\assignsubmission_file\\event\\submission_updated' }), '2026-11-20');
    expect(seen).toEqual(['2113 2026-11-20 moodle_login', '2113 2026-11-20 moodle_submission', '2113 2026-11-20 moodle_submission']);
  });
});
