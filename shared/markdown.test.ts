import { escapeMarkdown } from './markdown';

describe('escapeMarkdown', () => {
  it('when text holds a Markdown link, emphasis, code or an autolink, then every marker is escaped', () => {
    expect(escapeMarkdown('[Open case file](https://x)')).toBe('\\[Open case file\\](https://x)');
    expect(escapeMarkdown('**urgent** _now_ `code`')).toBe('\\*\\*urgent\\*\\* \\_now\\_ \\`code\\`');
    expect(escapeMarkdown('![img](https://x/a.png) <https://x>')).toBe('!\\[img\\](https://x/a.png) \\<https://x\\>');
  });

  it('when lines start with a heading or list marker, then that marker is escaped', () => {
    expect(escapeMarkdown('# Title\n- item\n+ item\n  2. second')).toBe('\\# Title\n\\- item\n\\+ item\n  2\\. second');
  });

  it('when text is plain, then it is unchanged, apart from backslashes which are doubled', () => {
    expect(escapeMarkdown('Anne-Marie Ó Briain (getting in touch), BSc Physics, year 2.')).toBe(
      'Anne-Marie Ó Briain (getting in touch), BSc Physics, year 2.',
    );
    expect(escapeMarkdown('a\\b')).toBe('a\\\\b');
  });
});
