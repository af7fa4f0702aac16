import { findUrgentTerms } from './urgent';

const TERMS = ['kill myself', "can't go on", 'suicidal', 'self-harm'];

describe('findUrgentTerms', () => {
  it('when a message contains a configured phrase in other case and quotes, then it is found', () => {
    expect(findUrgentTerms('Honestly I CAN’T go on like this.', TERMS)).toEqual(["can't go on"]);
  });

  it('when a term appears only inside a longer word, then it is not found', () => {
    expect(findUrgentTerms('I feel unsuicidalish today', TERMS)).toEqual([]);
  });

  it('when a hyphenated term is written with its hyphen, then it is found', () => {
    expect(findUrgentTerms('thinking about self-harm again', TERMS)).toEqual(['self-harm']);
  });

  it('when a message is ordinary, then nothing is found', () => {
    expect(findUrgentTerms('I have been studying offline at the library', TERMS)).toEqual([]);
  });
});
