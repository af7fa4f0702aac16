import { createWellbeingClassifier } from './classify';
import { normaliseMessage, normaliseMessageWithEmoji } from './normalise';

const classify = createWellbeingClassifier();

describe('normaliseMessage', () => {
  it('when a message has capitals, curly apostrophes, stretched letters and text-speak, then it meets the phrase lists in one form', () => {
    expect(normaliseMessage('I CAN’T go onnnn!!')).toBe(normaliseMessage('i cant go on'));
    expect(normaliseMessage('i wanna dieeee')).toBe(normaliseMessage('I want to die'));
    expect(normaliseMessage('Do not   want to be here any more')).toBe(normaliseMessage("don't want to be here anymore"));
    expect(normaliseMessage("I'll be fine")).toBe('i wil be fine');
  });

  it('when "ill" or "id" is typed without its apostrophe before a verb, then it reads as "I will" or "I would"; otherwise it stays a word', () => {
    expect(normaliseMessage('ill be gone soon')).toBe(normaliseMessage("I'll be gone soon"));
    expect(normaliseMessage('id rather not wake up')).toBe(normaliseMessage("I'd rather not wake up"));
    expect(normaliseMessage('i feel ill')).toBe('i fel il');
    expect(normaliseMessage('my id card')).toBe('my id card');
  });

  it('when a word is disguised with digits or symbols, then only the words that matter are undone', () => {
    expect(normaliseMessage('su1c1de')).toBe('suicide');
    expect(normaliseMessage('s*icidal thoughts')).toBe('suicidal thoughts');
    expect(normaliseMessage('k!ll mys3lf')).toBe(normaliseMessage('kill myself'));
    expect(normaliseMessage('b4 3pm')).toBe('before 3pm');
  });

  it('when a message has a skull, knife, blood or pills emoji, then read with emoji they are words, and read without they are nothing', () => {
    expect(normaliseMessageWithEmoji('i want to 💀')).toBe('i want to die');
    expect(normaliseMessageWithEmoji('🔪🩸')).toBe('knife blod');
    expect(normaliseMessage('i give up 💀')).toBe('i give up');
  });
});

describe('classifying a message', () => {
  it('when the issue’s indirect messages arrive, then each is risk with the phrase that decided it', () => {
    expect(classify("I don't want to be here anymore")).toMatchObject({ tier: 'risk', phrase: "don't want to be here" });
    expect(classify('honestly i feel like giving up on everything, whats the point').tier).toBe('risk');
  });

  it('when text-speak and misspellings are used, then risk is still found', () => {
    for (const m of [
      'kms',
      'unalive',
      'cant do this anymore',
      'wanna die',
      'dont wanna be here',
      'feeling sucidal',
      'i want to kil my self',
    ])
      expect([m, classify(m).tier]).toEqual([m, 'risk']);
  });

  it('when risk is denied, then it is distress, never none', () => {
    expect(classify("I'm not going to hurt myself")).toMatchObject({ tier: 'distress', negated: true, phrase: 'self-harm' });
    expect(classify("I'd never kill myself")).toMatchObject({ tier: 'distress', negated: true });
  });

  it('when the denial is doubted or another sentence is not denied, then it stays risk', () => {
    expect(classify("I'm not sure I won't hurt myself").tier).toBe('risk');
    expect(classify("I'm not ok. I want to die").tier).toBe('risk');
    expect(classify("I'm not going to kill myself but I want to disappear forever").tier).toBe('risk');
  });

  it('when one sign of hopelessness stands alone, then it is distress; two different ones together are risk', () => {
    expect(classify("what's the point").tier).toBe('distress');
    expect(classify("what's the point, I feel so hopeless")).toMatchObject({ tier: 'risk', phrase: "what's the point + hopeless" });
  });

  it('when an emoji says it, or a message is only sad faces, then it is risk or distress; a laughing skull alone is none', () => {
    expect(classify('i want to 💀 myself').tier).toBe('risk');
    expect(classify('🔪🩸').tier).toBe('risk');
    expect(classify('😭😭😭').tier).toBe('distress');
    expect(classify('i give up 💀')).toMatchObject({ tier: 'distress', phrase: 'giving up' });
    for (const m of ['💀💀💀', "i'm dead 💀", 'thank you 😭', 'omg i passed 😭😭']) expect([m, classify(m).tier]).toEqual([m, 'none']);
  });

  it('when an idiom of death or violence is used, then it is none', () => {
    for (const m of ['this deadline is killing me', "I'm dead tired", 'the lecture was sick', 'killed it in the exam', 'dying to see you'])
      expect([m, classify(m).tier]).toEqual([m, 'none']);
  });

  it('when a university adds phrases, then they match as whole words after the same normalisation and are never read as patterns', () => {
    const custom = createWellbeingClassifier({ risk: ['Jump in the Cam'], distress: ['(x|y)', 'homesick'] });
    expect(custom('thinking i might JUMP in the cam tonight')).toMatchObject({ tier: 'risk', phrase: 'Jump in the Cam' });
    expect(custom('so homesick')).toMatchObject({ tier: 'distress', phrase: 'homesick' });
    expect(custom('x').tier).toBe('none');
    expect(classify('thinking i might jump in the cam tonight').tier).toBe('none');
  });
});
